#!/usr/bin/env python3
"""Writes corpus/benign/requests.jsonl: browser-like benign HTTP/1.1 requests.

The output is deterministic (a fixed seed, no clock, no environment): running the script again
gives the same file byte for byte, so the checked-in file and the script always agree.

    corpus/benign/generate.py                 # rewrite requests.jsonl (400 requests)
    corpus/benign/generate.py --count 5000 --seed 7 --out /tmp/big.jsonl

Format: see corpus/README.md. One JSON object per line:
    {"id": "...", "kind": "page|asset|xhr|json|form", "method": "GET", "target": "/path?query",
     "headers": [["Name", "value"], ...], "body": "..."}
Headers are in the order a browser sends them; there is no Content-Length (consumers add it
from the UTF-8 length of body).

Ids listed in corpus/benign/excluded.txt (one per line, '#' comments) are generated and then
left out of the output, so that dropping a false positive does not renumber the other requests.
"""

import argparse
import json
import os
import random
import string
import sys
from urllib.parse import quote, quote_plus, urlencode

HERE = os.path.dirname(os.path.abspath(__file__))

SITE = "shop.example.com"
ORIGIN = "https://" + SITE

# ----------------------------------------------------------------------------------------------
# Browsers: a User-Agent and the client hints / header order that browser sends.

CHROME_VERSIONS = ["122", "123", "124", "125", "126"]
FIREFOX_VERSIONS = ["123.0", "124.0", "125.0", "126.0"]
SAFARI_VERSIONS = [("17.3", "605.1.15"), ("17.4.1", "605.1.15"), ("17.5", "605.1.15")]
CHROME_PLATFORMS = [
    ("Windows NT 10.0; Win64; x64", '"Windows"', "?0"),
    ("Macintosh; Intel Mac OS X 10_15_7", '"macOS"', "?0"),
    ("X11; Linux x86_64", '"Linux"', "?0"),
    ("Linux; Android 10; K", '"Android"', "?1"),
]
FIREFOX_PLATFORMS = [
    "Windows NT 10.0; Win64; x64; rv:{v}",
    "Macintosh; Intel Mac OS X 14.4; rv:{v}",
    "X11; Ubuntu; Linux x86_64; rv:{v}",
]
LANGUAGES = [
    "en-US,en;q=0.9",
    "en-GB,en;q=0.9,en-US;q=0.8",
    "de-DE,de;q=0.9,en-US;q=0.8,en;q=0.7",
    "fr-FR,fr;q=0.9,en;q=0.8",
    "es-ES,es;q=0.9",
    "pt-BR,pt;q=0.9,en-US;q=0.8,en;q=0.7",
    "nl-NL,nl;q=0.9,en;q=0.8",
    "ja-JP,ja;q=0.9,en-US;q=0.8,en;q=0.7",
]


def make_browser(rng):
    kind = rng.choices(["chrome", "edge", "firefox", "safari"], weights=[50, 10, 20, 20])[0]
    b = {"kind": kind, "lang": rng.choice(LANGUAGES)}
    if kind in ("chrome", "edge"):
        v = rng.choice(CHROME_VERSIONS)
        plat, plat_hint, mobile = rng.choice(CHROME_PLATFORMS)
        ua = (f"Mozilla/5.0 ({plat}) AppleWebKit/537.36 (KHTML, like Gecko) "
              f"Chrome/{v}.0.0.0 {'Mobile ' if mobile == '?1' else ''}Safari/537.36")
        brand = '"Google Chrome"'
        if kind == "edge":
            ua += f" Edg/{v}.0.0.0"
            brand = '"Microsoft Edge"'
        b["ua"] = ua
        b["ch"] = [
            ("sec-ch-ua", f'"Chromium";v="{v}", {brand};v="{v}", "Not-A.Brand";v="99"'),
            ("sec-ch-ua-mobile", mobile),
            ("sec-ch-ua-platform", plat_hint),
        ]
        b["encoding"] = "gzip, deflate, br, zstd" if int(v) >= 123 else "gzip, deflate, br"
    elif kind == "firefox":
        v = rng.choice(FIREFOX_VERSIONS)
        plat = rng.choice(FIREFOX_PLATFORMS).format(v=v)
        b["ua"] = f"Mozilla/5.0 ({plat}) Gecko/20100101 Firefox/{v}"
        b["ch"] = []
        b["encoding"] = "gzip, deflate, br"
    else:
        v, webkit = rng.choice(SAFARI_VERSIONS)
        if rng.random() < 0.5:
            plat = "Macintosh; Intel Mac OS X 10_15_7"
            tail = f"Version/{v} Safari/{webkit}"
        else:
            plat = "iPhone; CPU iPhone OS 17_4 like Mac OS X"
            tail = f"Version/{v} Mobile/15E148 Safari/{webkit}"
        b["ua"] = f"Mozilla/5.0 ({plat}) AppleWebKit/{webkit} (KHTML, like Gecko) {tail}"
        b["ch"] = []
        b["encoding"] = "gzip, deflate, br"
    return b


# ----------------------------------------------------------------------------------------------
# Cookies of common frameworks and trackers.


def rand_str(rng, n, alphabet=string.ascii_letters + string.digits):
    return "".join(rng.choice(alphabet) for _ in range(n))


def rand_hex(rng, n, upper=False):
    return rand_str(rng, n, "0123456789ABCDEF" if upper else "0123456789abcdef")


def b64ish(rng, n):
    return rand_str(rng, n, string.ascii_letters + string.digits + "+/")


def make_session(rng):
    """A visitor: their framework cookies and trackers, fixed for their requests."""
    ts = 1700000000 + rng.randrange(0, 20000000)
    cookies = []
    framework = rng.choice(["django", "php", "java", "rails", "express", "laravel", "none"])
    if rng.random() < 0.8:
        cookies.append(("_ga", f"GA1.1.{rng.randrange(10**9, 10**10)}.{ts}"))
        name = f"_ga_{rand_str(rng, 10, string.ascii_uppercase + string.digits)}"
        visits = rng.randrange(1, 40)
        last = ts + rng.randrange(10, 900)
        cookies.append((name, f"GS1.1.{ts}.{visits}.1.{last}.0.0.0"))
    if rng.random() < 0.5:
        cookies.append(("_gid", f"GA1.2.{rng.randrange(10**8, 10**9)}.{ts}"))
    if rng.random() < 0.3:
        millis = rng.randrange(100, 999)
        cookies.append(("_fbp", f"fb.1.{ts}{millis}.{rng.randrange(10**8, 10**9)}"))
    if rng.random() < 0.4:
        cookies.append(("cookieconsent_status", rng.choice(["dismiss", "allow"])))
    if framework == "django":
        cookies.append(("csrftoken", rand_str(rng, 32)))
        cookies.append(("sessionid", rand_str(rng, 32, string.ascii_lowercase + string.digits)))
    elif framework == "php":
        cookies.append(("PHPSESSID", rand_str(rng, 26, "abcdefghijklmnopqrstuv0123456789")))
    elif framework == "java":
        cookies.append(("JSESSIONID", rand_hex(rng, 32, upper=True)))
    elif framework == "rails":
        cookies.append(("_shop_session",
                        quote(b64ish(rng, 120) + "==", safe="") + "--" + rand_hex(rng, 40)))
    elif framework == "express":
        cookies.append(("connect.sid",
                        "s%3A" + rand_str(rng, 32, string.ascii_letters + string.digits + "-_")
                        + "." + quote(b64ish(rng, 43), safe="")))
    elif framework == "laravel":
        cookies.append(("XSRF-TOKEN", "eyJpdiI6I" + rand_str(rng, 180) + "%3D"))
        cookies.append(("shop_session", "eyJpdiI6I" + rand_str(rng, 180) + "%3D"))
    if rng.random() < 0.3:
        cookies.append(("theme", rng.choice(["dark", "light"])))
    if rng.random() < 0.3:
        cookies.append(("currency", rng.choice(["USD", "EUR", "GBP", "BRL"])))
    rng.shuffle(cookies)
    csrf = dict(cookies).get("csrftoken") or rand_str(rng, 64)
    return {"cookies": cookies, "framework": framework, "csrf": csrf}


def cookie_header(session):
    return "; ".join(f"{k}={v}" for k, v in session["cookies"])


# ----------------------------------------------------------------------------------------------
# Site content: ordinary words only.

CATEGORIES = ["shoes", "outdoor", "kitchen", "garden", "books", "electronics", "toys",
              "home-office", "sports", "beauty", "pet-supplies", "music"]
PRODUCTS = ["trail-running-shoe", "wireless-headphones", "coffee-grinder", "garden-hose-25m",
            "winter-parka", "standing-desk", "yoga-mat", "usb-c-cable-2m", "cast-iron-skillet",
            "hiking-boots", "picture-book-set", "desk-lamp", "water-bottle", "rain-jacket",
            "bluetooth-speaker", "chef-knife", "camping-tent", "backpack-30l", "dog-bed",
            "ceramic-mug", "electric-kettle", "mechanical-keyboard", "office-chair", "pillow"]
SEARCHES = ["running shoes", "wireless headphones", "coffee grinder", "garden hose",
            "winter jacket", "standing desk", "yoga mat", "usb c cable", "cast iron pan",
            "hiking boots", "kids books", "desk lamp", "water bottle", "rain jacket for women",
            "bluetooth speaker waterproof", "chef knife", "tent 2 person", "backpack",
            "dog bed large", "gift ideas", "birthday present for dad", "mugs", "kettle",
            "keyboard", "office chair ergonomic", "memory foam pillow", "sale", "new arrivals",
            "wool socks", "cuisine", "Kaffeemühle", "zapatillas", "fone de ouvido", "été"]
BLOG = [("2024/03/how-to-choose-running-shoes", "running"),
        ("2024/04/spring-garden-checklist", "garden"),
        ("2024/05/home-office-setup-guide", "office"),
        ("2024/06/best-coffee-at-home", "coffee"),
        ("2024/07/camping-packing-list", "camping"),
        ("2024/08/back-to-school-deals", "school")]
FIRST = ["Alice", "Bruno", "Chen", "Dana", "Elif", "Farid", "Greta", "Hiro", "Ines", "Jonas",
         "Kavya", "Luca", "Mara", "Noah", "Olga", "Pablo", "Quinn", "Rosa", "Sven", "Zoë"]
LAST = ["Smith", "Souza", "Wang", "Müller", "Kaya", "Rahimi", "Berg", "Tanaka", "García",
        "Novak", "Iyer", "Rossi", "Kowalski", "Brown", "Petrova", "López", "Reyes", "Jensen"]
CITIES = [("Berlin", "10115", "DE"), ("Lyon", "69001", "FR"), ("Austin", "78701", "US"),
          ("Leeds", "LS1 4AP", "GB"), ("São Paulo", "01310-100", "BR"),
          ("Osaka", "530-0001", "JP"), ("Utrecht", "3511 AA", "NL"), ("Madrid", "28013", "ES")]
STREETS = ["Hauptstraße 12", "12 Rue de la République", "500 Congress Avenue", "4 Park Row",
           "Avenida Paulista 1000", "1-1 Umeda", "Oudegracht 45", "Calle Mayor 7"]
REVIEW_TITLES = ["Does the job", "Great value", "Comfortable all day", "Arrived quickly",
                 "Better than expected", "Nice quality", "A bit small but fine", "Love it"]
REVIEW_TEXTS = [
    "Solid build quality and it arrived two days early.",
    "I use it every morning. Easy to clean, and the color matches the photos.",
    "Fits well. I ordered one size up as suggested in the size guide.",
    "Good product for the price. The manual could be clearer.",
    "Bought this as a gift for my sister and she loves it.",
    "Works as described. Battery lasts about a week with daily use.",
    "The fabric feels nice and it kept me dry on a long walk in the rain.",
    "Sturdy, quiet and looks great on my desk.",
]
MESSAGES = [
    "Hello, I would like to know when the blue version will be back in stock. Thanks!",
    "Hi, my order arrived but one item is missing. Could you please check? Best regards",
    "Can I change the delivery address of my order before it ships?",
    "Do you ship to Canada, and how long does delivery usually take?",
    "Thank you for the quick help last week, everything works now.",
]


def product_path(rng):
    return f"/products/{rng.choice(PRODUCTS)}-{rng.randrange(1000, 99999)}"


def page_target(rng):
    r = rng.random()
    if r < 0.12:
        return "/"
    if r < 0.32:
        return product_path(rng)
    if r < 0.50:
        q = {"page": str(rng.randrange(1, 8))}
        if rng.random() < 0.5:
            q["sort"] = rng.choice(["price_asc", "price_desc", "newest", "popular"])
        return f"/category/{rng.choice(CATEGORIES)}?{urlencode(q)}"
    if r < 0.72:
        q = [("q", rng.choice(SEARCHES))]
        if rng.random() < 0.4:
            q.append(("category", rng.choice(CATEGORIES)))
        if rng.random() < 0.3:
            q.append(("page", str(rng.randrange(2, 5))))
        return "/search?" + urlencode(q)
    if r < 0.82:
        slug, tag = rng.choice(BLOG)
        target = f"/blog/{slug}"
        if rng.random() < 0.5:
            source = rng.choice(["newsletter", "facebook", "google"])
            medium = rng.choice(["email", "social", "cpc"])
            target += "?" + urlencode({"utm_source": source, "utm_medium": medium,
                                       "utm_campaign": f"{tag}_2024"})
        return target
    return rng.choice(["/cart", "/account", "/account/orders", "/help/shipping",
                       "/help/returns", "/about", "/stores", "/gift-cards", "/checkout"])


# ----------------------------------------------------------------------------------------------
# Requests


def base_headers(b, kind):
    """Host, then the browser's headers for a navigation ("page"), a sub-resource ("asset")
    or a fetch/XHR ("xhr")."""
    h = [("Host", SITE)]
    if b["kind"] in ("chrome", "edge"):
        if kind == "page":
            h += [("Connection", "keep-alive")]
            h += b["ch"]
            h += [("Upgrade-Insecure-Requests", "1"), ("User-Agent", b["ua"])]
        else:
            h += [("Connection", "keep-alive")]
            h += b["ch"][:1] + [("sec-ch-ua-mobile", b["ch"][1][1]), ("User-Agent", b["ua"]),
                                ("sec-ch-ua-platform", b["ch"][2][1])]
    else:
        h += [("User-Agent", b["ua"])]
    return h


def browser_request(rng, b, session, kind, method, target, accept, dest, mode, site,
                    extra=(), body=""):
    h = base_headers(b, kind)
    h.append(("Accept", accept))
    h += list(extra)
    if kind == "page":
        fetch = [("Sec-Fetch-Site", site), ("Sec-Fetch-Mode", "navigate")]
        if site != "same-origin" or rng.random() < 0.7:
            fetch.append(("Sec-Fetch-User", "?1"))
        fetch.append(("Sec-Fetch-Dest", "document"))
    else:
        fetch = [("Sec-Fetch-Site", site), ("Sec-Fetch-Mode", mode), ("Sec-Fetch-Dest", dest)]
    ref = None  # a navigation typed in (site "none") has none
    if site == "same-origin":
        ref = ORIGIN + page_target(rng)
    elif site == "cross-site":
        ref = rng.choice(["https://www.google.com/", "https://duckduckgo.com/",
                          "https://www.bing.com/", "https://l.facebook.com/"])
    if b["kind"] in ("chrome", "edge"):
        h += fetch
        if ref:
            h.append(("Referer", ref))
        h += [("Accept-Encoding", b["encoding"]), ("Accept-Language", b["lang"])]
    elif b["kind"] == "firefox":
        h += [("Accept-Language", b["lang"]), ("Accept-Encoding", b["encoding"])]
        if ref:
            h.append(("Referer", ref))
        if kind == "page":
            h += [("Connection", "keep-alive"), ("Upgrade-Insecure-Requests", "1")]
        else:
            h += [("Connection", "keep-alive")]
        h += fetch
        if kind == "page" and rng.random() < 0.5:
            h.append(("Priority", "u=0, i"))
    else:  # Safari
        h += fetch
        h += [("Accept-Language", b["lang"]), ("Accept-Encoding", b["encoding"])]
        if ref:
            h.append(("Referer", ref))
        h += [("Connection", "keep-alive")]
    if session["cookies"] and not (kind == "asset" and rng.random() < 0.3):
        # Cookie sits where each browser puts it: after the other headers is close enough.
        h.append(("Cookie", cookie_header(session)))
    # A reload; a form POST already has its Cache-Control (the random draw stays, so that the
    # requests after it do not change).
    reload = b["kind"] in ("chrome", "edge") and kind == "page" and rng.random() < 0.4
    if reload and method == "GET":
        h.append(("Cache-Control", "max-age=0"))
    return {"method": method, "target": target, "headers": [list(x) for x in h], "body": body}


ACCEPT_PAGE = {
    "chrome": "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,"
              "image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7",
    "firefox": "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,"
               "*/*;q=0.8",
    "safari": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
}


def page(rng, b, session):
    site = rng.choices(["same-origin", "none", "cross-site"], weights=[70, 15, 15])[0]
    accept = ACCEPT_PAGE["chrome" if b["kind"] == "edge" else b["kind"]]
    return browser_request(rng, b, session, "page", "GET", page_target(rng), accept, "document",
                           "navigate", site)


def asset(rng, b, session):
    name = rng.choice(["main", "vendor", "app", "checkout", "product"])
    h = rand_hex(rng, 8)
    r = rng.random()
    if r < 0.35:
        target, accept, dest, mode = f"/static/js/{name}.{h}.js", "*/*", "script", "no-cors"
    elif r < 0.6:
        target, accept, dest, mode = (f"/static/css/{name}.{h}.css", "text/css,*/*;q=0.1",
                                      "style", "no-cors")
    elif r < 0.9:
        ext = rng.choice(["webp", "jpg", "png", "avif"])
        product, n = rng.choice(PRODUCTS), rng.randrange(1, 6)
        target = f"/media/products/{product}-{n}-{rng.choice([320, 640, 1280])}w.{ext}"
        accept = ("image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8"
                  if b["kind"] in ("chrome", "edge") else "image/avif,image/webp,*/*")
        dest, mode = "image", "no-cors"
    else:
        weight = rng.choice(["regular", "bold"])
        target, accept, dest, mode = f"/static/fonts/inter-{weight}.woff2", "*/*", "font", "cors"
    extra = [("Origin", ORIGIN)] if dest == "font" else []
    return browser_request(rng, b, session, "asset", "GET", target, accept, dest, mode,
                           "same-origin", extra)


def xhr(rng, b, session):
    r = rng.random()
    if r < 0.3:
        q = {"page": str(rng.randrange(1, 10)), "limit": rng.choice(["12", "24", "48"]),
             "category": rng.choice(CATEGORIES)}
        if rng.random() < 0.5:
            q["sort"] = rng.choice(["price_asc", "price_desc", "rating", "newest"])
        if rng.random() < 0.3:
            q["min_price"], q["max_price"] = "10", str(rng.choice([50, 100, 250]))
        target = "/api/v1/products?" + urlencode(q)
    elif r < 0.5:
        typed = rng.choice(SEARCHES)[:rng.randrange(3, 12)].strip()  # what was typed so far
        target = "/api/v1/search/suggest?" + urlencode({"q": typed})
    elif r < 0.65:
        target = "/api/v1/cart"
    elif r < 0.8:
        target = f"/api/v1/products/{rng.randrange(1000, 99999)}/reviews?" + urlencode(
            {"page": str(rng.randrange(1, 4)), "sort": rng.choice(["recent", "helpful"])})
    elif r < 0.9:
        target = "/api/v1/me"
    else:
        sku = rng.randrange(10000, 99999)
        target = f"/api/v1/stock?sku=SKU-{sku}&store={rng.randrange(1, 40)}"
    extra = []
    if rng.random() < 0.5:
        extra.append(("X-Requested-With", "XMLHttpRequest"))
    if session["framework"] in ("django", "laravel") and rng.random() < 0.5:
        extra.append(("X-CSRFToken" if session["framework"] == "django" else "X-XSRF-TOKEN",
                      session["csrf"]))
    return browser_request(rng, b, session, "xhr", "GET", target,
                           "application/json, text/plain, */*", "empty", "cors", "same-origin",
                           extra)


def json_body(rng):
    r = rng.random()
    if r < 0.3:
        path = "/api/v1/cart/items"
        obj = {"productId": f"SKU-{rng.randrange(10000, 99999)}",
               "quantity": rng.randrange(1, 4),
               "options": {"size": rng.choice(["S", "M", "L", "XL", "42", "43"]),
                           "color": rng.choice(["navy", "black", "olive", "red", "white"])}}
    elif r < 0.5:
        path = "/api/v1/events"
        obj = {"events": [{"type": rng.choice(["page_view", "add_to_cart", "scroll", "click"]),
                           "page": page_target(rng),
                           "ts": 1700000000000 + rng.randrange(0, 10**10),
                           "viewport": {"w": rng.choice([390, 1280, 1440, 1920]),
                                        "h": rng.choice([844, 720, 900, 1080])}}
                          for _ in range(rng.randrange(1, 5))],
               "sessionId": rand_hex(rng, 16)}
    elif r < 0.65:
        path = f"/api/v1/products/{rng.randrange(1000, 99999)}/reviews"
        obj = {"rating": rng.randrange(3, 6), "title": rng.choice(REVIEW_TITLES),
               "text": " ".join(rng.sample(REVIEW_TEXTS, 2)),
               "recommend": rng.random() < 0.8}
    elif r < 0.8:
        path = "/api/v1/me/preferences"
        obj = {"displayName": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
               "newsletter": rng.random() < 0.5,
               "language": rng.choice(["en", "de", "fr", "pt", "ja"]),
               "notifications": {"email": True, "sms": False, "push": rng.random() < 0.5}}
    elif r < 0.9:
        path = "/api/v1/search"
        obj = {"query": rng.choice(SEARCHES), "filters": {"category": rng.choice(CATEGORIES),
                                                          "inStock": True},
               "page": rng.randrange(1, 4), "pageSize": 24}
    else:
        city, zipc, country = rng.choice(CITIES)
        path = "/api/v1/checkout/shipping-quote"
        obj = {"address": {"line1": rng.choice(STREETS), "city": city, "postalCode": zipc,
                           "country": country},
               "items": [{"sku": f"SKU-{rng.randrange(10000, 99999)}",
                          "qty": rng.randrange(1, 3)} for _ in range(rng.randrange(1, 4))]}
    return path, json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def json_post(rng, b, session):
    path, body = json_body(rng)
    extra = [("Content-Type", rng.choice(["application/json", "application/json;charset=UTF-8"])),
             ("Origin", ORIGIN)]
    if session["framework"] == "django":
        extra.append(("X-CSRFToken", session["csrf"]))
    elif session["framework"] == "laravel":
        extra.append(("X-XSRF-TOKEN", session["csrf"]))
    return browser_request(rng, b, session, "xhr", "POST", path,
                           "application/json, text/plain, */*", "empty", "cors", "same-origin",
                           extra, body)


def phone(rng):
    cc, area = rng.randrange(1, 99), rng.randrange(100, 999)
    return f"+{cc} {area} {rng.randrange(1000000, 9999999)}"


def form_body(rng, session):
    r = rng.random()
    first, last = rng.choice(FIRST), rng.choice(LAST)
    user = first.lower().replace("ë", "e")
    email = f"{user}.{rand_str(rng, 4, string.ascii_lowercase)}@example.org"
    if r < 0.25:
        path = "/account/login"
        fields = [("csrfmiddlewaretoken", session["csrf"]), ("username", email),
                  ("password", rand_str(rng, 14)), ("next", "/account/orders")]
    elif r < 0.4:
        path = "/newsletter/subscribe"
        fields = [("email", email), ("source", rng.choice(["footer", "popup", "checkout"]))]
    elif r < 0.6:
        path = "/contact"
        fields = [("csrfmiddlewaretoken", session["csrf"]), ("name", f"{first} {last}"),
                  ("email", email), ("subject", rng.choice(["Order question", "Shipping",
                                                            "Product question"])),
                  ("message", rng.choice(MESSAGES))]
    elif r < 0.8:
        city, zipc, country = rng.choice(CITIES)
        path = "/checkout/address"
        fields = [("csrfmiddlewaretoken", session["csrf"]), ("first_name", first),
                  ("last_name", last), ("address1", rng.choice(STREETS)), ("address2", ""),
                  ("city", city), ("postcode", zipc), ("country", country),
                  ("phone", phone(rng)),
                  ("save_address", "on")]
    else:
        path = "/search"
        fields = [("q", rng.choice(SEARCHES)), ("category", rng.choice(CATEGORIES))]
    return path, urlencode(fields, quote_via=quote_plus)


def form_post(rng, b, session):
    path, body = form_body(rng, session)
    extra = [("Cache-Control", "max-age=0")] if b["kind"] in ("chrome", "edge") else []
    extra += [("Content-Type", "application/x-www-form-urlencoded"), ("Origin", ORIGIN)]
    req = browser_request(rng, b, session, "page", "POST", path, ACCEPT_PAGE[
        "chrome" if b["kind"] == "edge" else b["kind"]], "document", "navigate", "same-origin",
        extra, body)
    # A form submission's Referer is the page the form was on.
    for h in req["headers"]:
        if h[0] == "Referer":
            h[1] = ORIGIN + path
    return req


KINDS = [("page", page, 35), ("asset", asset, 20), ("xhr", xhr, 20), ("json", json_post, 15),
         ("form", form_post, 10)]


def generate(count, seed):
    """Request n depends only on the seed and n, not on count: a longer corpus starts with the
    shorter one. Visitor i (browser and cookies) comes from its own seeded generator, and
    request n picks one of the first 8 + n // 8 visitors."""
    rng = random.Random(seed)
    out = []
    visitors = {}

    def visitor(i):
        if i not in visitors:
            vrng = random.Random(seed * 1000003 + i)
            visitors[i] = (make_browser(vrng), make_session(vrng))
        return visitors[i]

    seq = {k: 0 for k, _, _ in KINDS}
    for n in range(count):
        kind, fn, _ = rng.choices(KINDS, weights=[w for _, _, w in KINDS])[0]
        b, session = visitor(rng.randrange(8 + n // 8))
        req = fn(rng, b, session)
        seq[kind] += 1
        out.append(dict({"id": f"{kind}-{seq[kind]:04d}", "kind": kind}, **req))
    return out


def read_excluded(path):
    if not os.path.exists(path):
        return set()
    with open(path, encoding="utf-8") as f:
        return {line.split("#")[0].strip() for line in f} - {""}


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--count", type=int, default=400, help="requests to generate (default 400)")
    p.add_argument("--seed", type=int, default=4, help="random seed (default 4)")
    p.add_argument("--out", default=os.path.join(HERE, "requests.jsonl"))
    p.add_argument("--excluded", default=os.path.join(HERE, "excluded.txt"),
                   help="ids to leave out (default corpus/benign/excluded.txt)")
    args = p.parse_args()
    excluded = read_excluded(args.excluded)
    reqs = [r for r in generate(args.count, args.seed) if r["id"] not in excluded]
    with open(args.out, "w", encoding="utf-8", newline="\n") as f:
        for r in reqs:
            f.write(json.dumps(r, ensure_ascii=False, separators=(", ", ": ")) + "\n")
    print(f"{args.out}: {len(reqs)} requests ({args.count - len(reqs)} excluded)", file=sys.stderr)


if __name__ == "__main__":
    main()
