#!/usr/bin/env python3
"""Writes corpus/benign/traffic.jsonl: a realistic mix of benign HTTP/1.1 requests, for
measuring a WAF's false positives.

Every request is something a legitimate user, browser, app or script sends every day, written
for this project (no captured traffic, nothing copied): page loads and sub-resources with the
browsers' full header sets, fetch/XHR, JSON, GraphQL, protobuf and gRPC-web, forms and multipart
uploads of real little files (PNG, JPEG, PDF, CSV, text), analytics beacons, CSP reports, OAuth
and SAML, mobile apps, scripts and monitors, REST verbs, JSON:API, NDJSON, SOAP/RSS/cXML,
preflights, conditional and Range requests. Text is multilingual, and on the developer forum and
the task tracker full of markdown and code, as such sites are.

    corpus/benign/generate_traffic.py                       # rewrite traffic.jsonl (5000)
    corpus/benign/generate_traffic.py --count 20000 --seed 9 --out /tmp/traffic.jsonl

Deterministic: a fixed seed and no clock. Request n depends only on the seed and n (it has a
generator of its own), so a longer corpus starts with the shorter one. Every request comes from
a client (a browser visitor, an app install, a script, a monitor) whose browser, cookies,
tokens and language stay the same across its requests; the split ("tune"/"holdout", about 30 %
holdout) is a hash of the client, so one client's requests stay in one split.

Format: corpus/README.md (id, kind, method, target, headers, body or body_base64; no
Content-Length) plus expect ("pass"), category (the traffic kind, also in kind), placement
(where the free text sits: query, path, form, json, xml, multipart, header, cookie, user-agent,
body or none) and split. Sites: shop.example.com, forum.devhub.example (a developer forum),
app.tasklane.example + api.tasklane.example (a SPA with a GraphQL API) and the shop's mobile API.
"""

import argparse
import base64
import hashlib
import hmac
import json
import os
import random
import string
import struct
import sys
import unicodedata
import uuid
import zlib
from urllib.parse import quote, quote_plus, urlencode

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import generate as shop  # noqa: E402  (browsers, framework cookies, the shop's catalogue)

SHOP = "shop.example.com"
SHOP_METRICS = "metrics.shop.example.com"  # server-side tagging endpoint (first party)
SHOP_CDN = "cdn.shop.example.com"
SHOP_MAPI = "mapi.shop.example.com"  # the shop's mobile apps
SHOP_PARTNERS = "partners.shop.example.com"  # B2B: SOAP, cXML, feeds
FORUM = "forum.devhub.example"
APP = "app.tasklane.example"
API = "api.tasklane.example"
AUTH = "auth.tasklane.example"

BASE_TS = 1717200000  # 2024-06-01: all timestamps are offsets from here, never the clock


def origin(host):
    return "https://" + host


# ----------------------------------------------------------------------------------------------
# Small helpers


def rand_str(rng, n, alphabet=string.ascii_letters + string.digits):
    return "".join(rng.choice(alphabet) for _ in range(n))


def rand_hex(rng, n):
    return rand_str(rng, n, "0123456789abcdef")


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64(data):
    return base64.b64encode(data).decode("ascii")


def rand_uuid(rng):
    return str(uuid.UUID(bytes=rng.randbytes(16), version=4))


def compact(obj):
    """JSON as JSON.stringify and most app libraries write it."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def spaced(obj):
    """JSON as Python's json.dumps (requests' json=) writes it: ASCII, ", " and ": "."""
    return json.dumps(obj)


def slugify(title):
    ascii_ = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    words = "".join(c.lower() if c.isalnum() else " " for c in ascii_).split()
    return "-".join(words[:9]) or "topic"


def password(rng):
    """What people and password managers type: some symbols, sometimes a passphrase."""
    r = rng.random()
    if r < 0.5:
        return rand_str(rng, rng.randrange(14, 22), string.ascii_letters + string.digits
                        + "!#$%&*+-=?@^_~")
    if r < 0.8:
        words = ["correct", "horse", "battery", "staple", "Sommer", "Kaffee", "blue", "tiger"]
        return "-".join(rng.sample(words, 3)) + str(rng.randrange(10, 99))
    return rng.choice(["Tr0ub4dor&3", "Summer2024!", "p@ssw0rd-Lisbon", "M0nkey'sUncle",
                       "Ünïcødé-Paß-42", "hunter2hunter2"])


def jwt(rng, claims, alg="RS256", kid=None):
    header = {"alg": alg, "typ": "JWT"}
    if kid:
        header["kid"] = kid
    sig_len = {"RS256": 256, "ES256": 64, "HS256": 32}[alg]
    return ".".join([b64url(compact(header).encode()), b64url(compact(claims).encode()),
                     b64url(rng.randbytes(sig_len))])


def jwe(rng, size):
    """An encrypted session cookie (NextAuth's dir/A256GCM JWE: no encrypted key, so '..')."""
    header = b64url(b'{"alg":"dir","enc":"A256GCM"}')
    return (f"{header}..{b64url(rng.randbytes(12))}.{b64url(rng.randbytes(size))}."
            f"{b64url(rng.randbytes(16))}")


def client_secret(key, prefix, n=40):
    """A script's token: the same in every request of that client."""
    return prefix + rand_str(random.Random(key + ":token"), n)


def hmac_hex(secret, data, algo):
    return hmac.new(secret.encode(), data.encode("utf-8"), algo).hexdigest()


def weighted(rng, items):
    """items: [(value, weight), ...]"""
    return rng.choices([v for v, _ in items], weights=[w for _, w in items])[0]


def fmt_http_date(ts):
    days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
              "Dec"]
    # Civil date from days since the epoch (no time module: nothing here reads the clock).
    z = ts // 86400 + 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + 3 if mp < 10 else mp - 9
    y = yoe + era * 400 + (1 if m <= 2 else 0)
    wd = (ts // 86400 + 3) % 7  # 1970-01-01 was a Thursday
    s = ts % 86400
    return (f"{days[wd]}, {d:02d} {months[m - 1]} {y} {s // 3600:02d}:{s % 3600 // 60:02d}:"
            f"{s % 60:02d} GMT")


def iso_time(ts, millis=None):
    date = fmt_http_date(ts)  # reuse the civil-date arithmetic
    day, mon, year, clock = date[5:7], date[8:11], date[12:16], date[17:25]
    months = "JanFebMarAprMayJunJulAugSepOctNovDec"
    mm = months.index(mon) // 3 + 1
    frac = f".{millis:03d}" if millis is not None else ""
    return f"{year}-{mm:02d}-{day}T{clock}{frac}Z"


# ----------------------------------------------------------------------------------------------
# People: a locale, a name (with the handle and e-mail they would pick), an address, and what
# they search for and write in that language.

LOCALES = [
    # code, Accept-Language (Chrome/Safari style), weight
    ("en-US", "en-US,en;q=0.9", 30),
    ("en-GB", "en-GB,en;q=0.9,en-US;q=0.8", 7),
    ("de-DE", "de-DE,de;q=0.9,en-US;q=0.8,en;q=0.7", 10),
    ("fr-FR", "fr-FR,fr;q=0.9,en-US;q=0.8,en;q=0.7", 7),
    ("es-ES", "es-ES,es;q=0.9", 6),
    ("ru-RU", "ru-RU,ru;q=0.9,en-US;q=0.8,en;q=0.7", 5),
    ("ja-JP", "ja,en-US;q=0.9,en;q=0.8", 5),
    ("zh-CN", "zh-CN,zh;q=0.9,en;q=0.8", 5),
    ("ar-SA", "ar,en-US;q=0.9,en;q=0.8", 3),
    ("hi-IN", "hi-IN,hi;q=0.9,en-IN;q=0.8,en;q=0.7", 3),
    ("pt-BR", "pt-BR,pt;q=0.9,en-US;q=0.8,en;q=0.7", 5),
    ("nl-NL", "nl-NL,nl;q=0.9,en-US;q=0.8,en;q=0.7", 3),
]

# Per locale: names (first, last, handle), addresses (street, city, region, postcode, country),
# shop searches, product reviews, messages to support.
PEOPLE = {
    "en-US": {
        "names": [("Emily", "Johnson", "emily.j"), ("Michael", "O'Connor", "mike.oconnor"),
                  ("D'Andre", "Jackson", "dandre_j"), ("Kate", "O'Reilly", "kate.oreilly"),
                  ("Sarah", "Williams", "swilliams"), ("Tom", "Miller-Hayes", "tmh")],
        "addresses": [("1200 Market St Apt 4B", "San Francisco", "CA", "94102", "US"),
                      ("77 Massachusetts Ave #3", "Cambridge", "MA", "02139", "US"),
                      ("500 Congress Avenue, Suite 210", "Austin", "TX", "78701", "US"),
                      ("50 Massachusetts Ave NE (Union Station)", "Washington", "DC", "20002",
                       "US")],
        "searches": ["running shoes", "O'Reilly", "O'Reilly python cookbook",
                     '"select all" kitchen set', "drop shipping", "union station backpack",
                     "kids' rain boots", "men's 32\" waist jeans", '55" tv stand', "50% off",
                     "AT&T phone case", "c++ primer", "gift for dad under $50",
                     "table & chairs set", "how to delete my account", "insert for running shoes",
                     "update shipping address", "where is my order", "coffee grinder -electric",
                     '"noise cancelling" headphones', "gift for mom 🎁", "🏕️ camping gear",
                     "is 1=1 puzzle book good for kids", "rock 'n' roll t-shirt", "6'2\" pants",
                     "<3 mug", "2x4 lumber", "wireless headphones", "standing desk"],
        "reviews": ["Don't buy the 'large' \u2014 it runs small. Ordered an XL and it's perfect 👍",
                    "5/5 would buy again!!!",
                    "Works with my Mac & PC; setup took < 5 min.",
                    'The color is more "burgundy" than red, but I like it.',
                    "Had to return it :( the zipper broke after 2 weeks.",
                    "Great for drop shipping? No idea \u2014 but it's great for my kitchen 😄",
                    "Arrived a day early. Box was a bit crushed, product fine.",
                    "My 6-year-old loves it. Survived being dropped down the stairs (twice)."],
        "messages": ["Hi, my order #10482 arrived but the mug was broken. Photos attached. Can "
                     "you send a replacement?",
                     "Can I change the delivery address before it ships? New one: 77 Mass Ave "
                     "#3, Cambridge MA 02139.",
                     "Do you ship to Puerto Rico & Hawaii? The checkout says \"not available\"."],
    },
    "en-GB": {
        "names": [("Seán", "O'Brien", "sean.obrien"), ("Harriet", "Smythe", "hsmythe"),
                  ("Priya", "Patel", "priya.p"), ("Oliver", "St. John", "ollie_sj")],
        "addresses": [("Flat 2, 14 O'Connell Street", "Dublin", "", "D01 F5P2", "IE"),
                      ("4 Park Row", "Leeds", "West Yorkshire", "LS1 4AP", "GB"),
                      ("221B Baker Street", "London", "", "NW1 6XE", "GB")],
        "searches": ["wellies", "jumper", "kettle", "trainers size 9", "colour-changing mug",
                     "o'neill wetsuit", "drop-down table", "union jack bunting", "£20 gifts"],
        "reviews": ["Brilliant kettle, boils in no time. Lid's a bit fiddly.",
                    "Colour's spot on. Delivery was quick \u2014 cheers!",
                    "Bit pricey for what it is, but does the job."],
        "messages": ["Hiya, I've been charged twice for order 10533. Could you sort it? Ta."],
    },
    "de-DE": {
        "names": [("Jürgen", "Groß", "juergen.gross"), ("Sabine", "Müller-Lüdenscheidt",
                                                         "sabine_ml"),
                  ("Björn", "Schäfer", "bjoern.s"), ("Anna-Lena", "Weiß", "annalena.w")],
        "addresses": [("Königstraße 5", "Stuttgart", "", "70173", "DE"),
                      ("Hauptstraße 12a, 3. OG", "Berlin", "", "10115", "DE"),
                      ("Am Schloßberg 3", "Heidelberg", "", "69117", "DE"),
                      ("Mariahilfer Straße 45/7", "Wien", "", "1060", "AT")],
        "searches": ["Kaffeemühle", "Regenjacke Damen wasserdicht", "Wanderschuhe Größe 44",
                     "Geschenk für Oma", "Bürostuhl ergonomisch", "Müsli-Schale",
                     "Schuhe \"Größe 38\"", "Spülmaschinenfest & BPA-frei"],
        "reviews": ["Sehr gute Qualität, schnelle Lieferung. Würde ich wieder kaufen!",
                    "Leider etwas zu klein \u2013 bitte eine Nummer größer bestellen.",
                    "Preis/Leistung top 👍 Die Anleitung ist allerdings nur auf Englisch.",
                    "Funktioniert einwandfrei. Der Deckel schließt nicht ganz dicht."],
        "messages": ["Hallo, ich habe meine Bestellung #10482 noch nicht erhalten. Können Sie "
                     "bitte nachsehen? Viele Grüße",
                     "Guten Tag, ist der Artikel auch in Größe 44 lieferbar? Danke & schöne "
                     "Grüße aus Köln"],
    },
    "fr-FR": {
        "names": [("François", "Lefèvre", "francois.lefevre"), ("Hélène", "D'Aubigné",
                                                                "helene.da"),
                  ("Jérôme", "Côté", "jerome.cote"), ("Anaïs", "L'Hermite", "anais_lh")],
        "addresses": [("8 rue de l'Église", "Paris", "", "75004", "FR"),
                      ("12, avenue Jean-Jaurès", "Lyon", "", "69007", "FR"),
                      ("3 place d'Armes, bât. B", "Bordeaux", "", "33000", "FR")],
        "searches": ["chaussures de randonnée imperméables", "cadeau d'anniversaire",
                     "bouilloire électrique", "sac à dos 30 L", "crème pour les mains",
                     "l'été indien", "tapis de yoga épais"],
        "reviews": ["Très bon produit, conforme à la description. Livraison rapide !",
                    "Je l'utilise tous les jours : c'est top.",
                    "Un peu déçue\u2026 la couleur n'est pas la même que sur la photo.",
                    "Rapport qualité/prix imbattable \U0001F44C"],
        "messages": ["Bonjour, est-il possible de modifier l'adresse de livraison de ma "
                     "commande ? Merci d'avance."],
    },
    "es-ES": {
        "names": [("José", "Núñez", "jose.nunez"), ("María José", "Peña", "mjpena"),
                  ("Íñigo", "Ibáñez", "inigo.ib")],
        "addresses": [("Calle Mayor 7, 3º B", "Madrid", "", "28013", "ES"),
                      ("Avda. de la Constitución 21", "Sevilla", "", "41001", "ES"),
                      ("Carrer de Balmes 150, 2º 1ª", "Barcelona", "", "08008", "ES")],
        "searches": ["zapatillas de running para mujer", "¿tienen envío a Canarias?",
                     "cafetera italiana", "mochila niño", "regalo día de la madre",
                     "jamón ibérico", "año nuevo"],
        "reviews": ["¡Me encanta! Muy cómodo y de buena calidad.",
                    "Llegó un día tarde, pero el producto está genial.",
                    "No es lo que esperaba. La talla es más pequeña."],
        "messages": ["Hola, ¿podrían enviarme la factura con mi NIF? Gracias."],
    },
    "ru-RU": {
        "names": [("Иван", "Петров", "ivan.petrov"), ("Ольга", "Смирнова", "olga_s"),
                  ("Алексей", "Кузнецов", "a.kuznetsov")],
        "addresses": [("ул. Тверская, д. 7, кв. 12", "Москва", "", "125009", "RU"),
                      ("Невский пр., 28", "Санкт-Петербург", "", "191186", "RU")],
        "searches": ["беговые кроссовки", "кофемолка ручная", "рюкзак для ноутбука",
                     "подарок на день рождения", "чайник электрический"],
        "reviews": ["Отличное качество, доставка быстрая. Рекомендую!",
                    "Размер маломерит, берите на размер больше.",
                    "Всё пришло в целости, спасибо! 😊"],
        "messages": ["Здравствуйте! Когда будет в наличии синий цвет? Спасибо."],
    },
    "ja-JP": {
        "names": [("太郎", "山田", "taro.yamada"), ("花子", "佐藤", "hanako_s"),
                  ("健", "鈴木", "ken.suzuki")],
        "addresses": [("神南1-2-3 ABCビル 5F", "渋谷区", "東京都", "150-0041", "JP"),
                      ("梅田1-1-3", "大阪市北区", "大阪府", "530-0001", "JP")],
        "searches": ["ワイヤレスイヤホン ノイズキャンセリング", "電気ケトル 温度調節",
                     "登山靴 防水", "プレゼント 父", "マグカップ"],
        "reviews": ["とても使いやすいです。リピートします！",
                    "思ったより小さかったですが、品質は良いです。",
                    "配送が早くて助かりました🙏"],
        "messages": ["注文番号10482の配送状況を教えてください。よろしくお願いします。"],
    },
    "zh-CN": {
        "names": [("伟", "王", "wangwei88"), ("芳", "李", "li.fang"), ("磊", "张", "zhanglei")],
        "addresses": [("建国路88号 SOHO现代城 2号楼 1205室", "朝阳区", "北京市", "100022", "CN"),
                      ("南京东路100号", "黄浦区", "上海市", "200001", "CN")],
        "searches": ["蓝牙音箱 防水", "人体工学椅子", "咖啡研磨机", "儿童雨靴", "生日礼物"],
        "reviews": ["质量很好，物流很快，五星好评！", "颜色和图片有点差别，不过还可以。",
                    "性价比高 👍👍"],
        "messages": ["你好，请问可以开发票吗？订单号 10482，谢谢！"],
    },
    "ar-SA": {
        "names": [("محمد", "العلي", "m.alali"), ("فاطمة", "الزهراء", "fatima.z"),
                  ("عمر", "حداد", "omar.haddad")],
        "addresses": [("شارع الملك فهد، مبنى 12", "الرياض", "", "12211", "SA"),
                      ("شارع الحمراء 45", "بيروت", "", "1103", "LB")],
        "searches": ["سماعات لاسلكية", "حذاء رياضي للجري", "هدية عيد ميلاد", "ماكينة قهوة"],
        "reviews": ["منتج رائع وجودة ممتازة، شكراً لكم", "التوصيل كان سريعاً جداً 👍"],
        "messages": ["مرحباً، هل يمكن تغيير عنوان التوصيل؟ شكراً"],
    },
    "hi-IN": {
        "names": [("प्रिया", "शर्मा", "priya.sharma"), ("Rahul", "Verma", "rahulv"),
                  ("अमित", "पटेल", "amit.patel")],
        "addresses": [("12, एमजी रोड", "बेंगलुरु", "कर्नाटक", "560001", "IN"),
                      ("Flat 4B, Sea View Apts, Juhu", "Mumbai", "Maharashtra", "400049", "IN")],
        "searches": ["वायरलेस हेडफ़ोन", "रसोई के बर्तन", "running shoes for men", "दिवाली गिफ्ट"],
        "reviews": ["बहुत अच्छा प्रोडक्ट है, डिलीवरी भी जल्दी हुई।", "Value for money 👌"],
        "messages": ["नमस्ते, मेरा ऑर्डर अभी तक नहीं आया। कृपया जाँच करें।"],
    },
    "pt-BR": {
        "names": [("João", "Conceição", "joao.c"), ("Ana", "Gonçalves", "ana.goncalves")],
        "addresses": [("Avenida Paulista 1000, apto 52", "São Paulo", "SP", "01310-100", "BR"),
                      ("Rua das Laranjeiras 200", "Rio de Janeiro", "RJ", "22240-000", "BR")],
        "searches": ["fone de ouvido bluetooth", "tênis de corrida", "presente dia dos pais",
                     "cadeira de escritório"],
        "reviews": ["Produto excelente, chegou antes do prazo!", "Não gostei, veio sem manual."],
        "messages": ["Olá! Vocês entregam em Manaus? Obrigado."],
    },
    "nl-NL": {
        "names": [("Sanne", "de Vries", "sanne.dv"), ("Daan", "van 't Hek", "daanvth")],
        "addresses": [("Oudegracht 45", "Utrecht", "", "3511 AA", "NL"),
                      ("Keizersgracht 123-II", "Amsterdam", "", "1015 CJ", "NL")],
        "searches": ["regenjas heren", "koffiemolen", "fietstas waterdicht"],
        "reviews": ["Prima kwaliteit, snel geleverd.", "Past perfect, mooie kleur!"],
        "messages": ["Hoi, kan ik mijn bestelling nog annuleren? Groetjes"],
    },
}

MAIL_DOMAINS = ["example.org", "example.net", "mail.example", "posteo.example", "web.example"]
PHONE_PREFIX = {"US": "+1", "GB": "+44", "IE": "+353", "DE": "+49", "AT": "+43", "FR": "+33",
                "ES": "+34", "RU": "+7", "JP": "+81", "CN": "+86", "SA": "+966", "LB": "+961",
                "IN": "+91", "BR": "+55", "NL": "+31"}


def make_person(rng):
    code = weighted(rng, [(c, w) for c, _, w in LOCALES])
    lang = {c: a for c, a, _ in LOCALES}[code]
    data = PEOPLE[code]
    first, last, handle = rng.choice(data["names"])
    street, city, region, postcode, country = rng.choice(data["addresses"])
    if rng.random() < 0.5:
        handle += str(rng.randrange(1, 99))
    return {
        "locale": code, "lang": lang, "first": first, "last": last, "handle": handle,
        "email": f"{handle}@{rng.choice(MAIL_DOMAINS)}",
        "address": {"line1": street, "city": city, "region": region, "postcode": postcode,
                    "country": country},
        "phone": (f"{PHONE_PREFIX[country]} {rng.randrange(100, 999)} "
                  f"{rng.randrange(1000000, 9999999)}"),
        "user_id": rng.randrange(10000, 999999),
    }


def review_title(rng, person):
    """A short title: a stock phrase, or the first clause of a review in their language."""
    if rng.random() < 0.4:
        return rng.choice(shop.REVIEW_TITLES)
    text = local(rng, person, "reviews")
    for sep in (". ", "! ", ", ", " \u2014 ", "\u3002", "\uff0c", "\u060c"):
        text = text.split(sep)[0]
    return text if len(text) <= 48 else rng.choice(shop.REVIEW_TITLES)


def local(rng, person, key, english_share=0.3):
    """Something in the person's language; sometimes English anyway, as people do."""
    pool = PEOPLE[person["locale"]][key]
    if rng.random() < english_share:
        pool = PEOPLE["en-US"][key]
    return rng.choice(pool)


# ----------------------------------------------------------------------------------------------
# The developer forum: topics and posts as developers write them (markdown, code blocks, shell
# commands in backticks, SQL, HTML, stack traces), in several languages.

FORUM_TOPICS = [
    ("How to find customers with more than one order in 30 days?", "databases"),
    ("UNION vs UNION ALL: dedupe only on id?", "databases"),
    ("DROP TABLE IF EXISTS fails inside a transaction (permission denied)", "databases"),
    ("Why do query builders generate WHERE 1=1?", "databases"),
    ("EACCES on npm install -g after upgrading Node", "javascript"),
    ("Guarding `rm -rf $(BUILD_DIR)/*` in a Makefile", "tooling"),
    ("<img onerror> fallback flashes in Safari", "frontend"),
    ("<script defer> runs before #root exists?", "frontend"),
    ("Is subprocess.run(..., shell=True) OK for constant commands?", "python"),
    ("Replacing eval() config parsing with JSON.parse", "javascript"),
    ("pandas KeyError with a column that exists (BOM?)", "python"),
    ("nginx 502 on websocket upgrade", "devops"),
    ("docker compose: api can't reach db", "devops"),
    ("Regex for semantic versions", "tooling"),
    ("Committed .env by accident, how to purge history", "tooling"),
    ("Looping over find results with spaces in names", "tooling"),
    ("Legacy PHP search page: is htmlspecialchars enough?", "security"),
    ("dangerouslySetInnerHTML vs react-markdown with iframes", "frontend"),
    ("Spring Boot: Cannot load driver class org.postgresql.Driver", "java"),
    ("PowerShell: running scripts is disabled on this system", "python"),
    ("Cron job runs but writes nothing", "devops"),
    ("psycopg parameters and names like O'Brien", "python"),
    ("Testing GitHub webhooks locally with curl", "devops"),
    ("database/sql: do I need rows.Err()?", "go"),
    ("pg_config executable not found bei pip install psycopg2", "python"),
    ("PostgreSQL: последние 10 записей для каждого пользователя", "databases"),
    ("docker compose up で port is already allocated", "devops"),
    ("Vue 3 <script setup> 里 defineProps 拿不到值", "frontend"),
    ("¿Por qué tarda tanto SELECT COUNT(*) con índice?", "databases"),
    ("git rebase -i : commit perdu, récupéré avec reflog", "tooling"),
]

FORUM_POSTS = [
    "I'm trying to find customers who ordered more than once in the last 30 days. This is what "
    "I have:\n\n```sql\nSELECT c.id, c.email, COUNT(o.id) AS orders\nFROM customers c\nJOIN "
    "orders o ON o.customer_id = c.id\nWHERE o.created_at > now() - interval '30 days'\nGROUP BY"
    " c.id, c.email\nHAVING COUNT(o.id) > 1\nORDER BY orders DESC;\n```\n\nIt works but takes "
    "~4 s on 2M rows. Would an index on `orders(customer_id, created_at)` help?",

    "What's the practical difference between `UNION` and `UNION ALL`? I have two tables with "
    "the same columns:\n\n```sql\nSELECT id, name FROM archived_users\nUNION\nSELECT id, name "
    "FROM users WHERE deleted_at IS NULL;\n```\n\nWith `UNION` it removes duplicates (slow), "
    "with `UNION ALL` it keeps them. Is there a way to dedupe only on `id`?",

    "My migration script does\n\n```sql\nBEGIN;\nDROP TABLE IF EXISTS tmp_import;\nCREATE TABLE"
    " tmp_import (LIKE products INCLUDING ALL);\nCOPY tmp_import FROM '/var/lib/postgresql/"
    "import/products.csv' WITH (FORMAT csv, HEADER true);\nINSERT INTO products SELECT * FROM "
    "tmp_import\n  ON CONFLICT (sku) DO UPDATE SET price = EXCLUDED.price;\nCOMMIT;\n```\n\nand"
    " fails with `ERROR: permission denied for table products`. The role has INSERT and UPDATE."
    " What am I missing?",

    "Why do query builders generate `WHERE 1=1 AND ...`? I saw this in our ORM logs:\n\n    "
    "SELECT * FROM posts WHERE 1=1 AND author_id = 42 AND status = 'published'\n\nIs it just so"
    " every condition can start with `AND`?",

    "After upgrading Node I get `EACCES` on global installs. I ran\n\n```bash\nsudo npm install"
    " -g pnpm\nls -la /usr/local/lib/node_modules\n```\n\nand the folder is owned by root. "
    "Should I `chown -R $(whoami) /usr/local/lib/node_modules` or use nvm instead?",

    "Our `clean` target is\n\n```make\nclean:\n\trm -rf $(BUILD_DIR)/*\n```\n\nIf `BUILD_DIR` "
    "is empty this becomes `rm -rf /*` 😱. What's the idiomatic guard? `${BUILD_DIR:?}` works "
    "in bash but not in make.",

    "I want a fallback avatar when the image 404s:\n\n```html\n<img src=\"/avatars/42.png\" "
    "alt=\"avatar\" onerror=\"this.onerror=null; this.src='/img/default-avatar.png';\">\n```\n\n"
    "Works in Chrome, but in Safari the fallback flashes. Is there a CSS-only way?",

    "My `<script src=\"app.js\" defer></script>` seems to run before `<div id=\"root\"></div>` "
    "exists. I thought `defer` waits for parsing? The page:\n\n```html\n<!doctype html>\n<html "
    "lang=\"en\">\n<head>\n  <meta charset=\"utf-8\">\n  <script src=\"/static/app.js\" defer>"
    "</script>\n</head>\n<body>\n  <div id=\"root\"></div>\n</body>\n</html>\n```",

    "Is `shell=True` really that bad if the command is constant?\n\n```python\nimport "
    "subprocess\n\nresult = subprocess.run(\"tar -czf backup.tar.gz /srv/data && ls -lh "
    "backup.tar.gz\",\n                        shell=True, capture_output=True, text=True)\n"
    "print(result.stdout)\n```\n\nI read that I should pass a list instead: "
    "`subprocess.run([\"tar\", \"-czf\", ...])`.",

    "A colleague wrote `const cfg = eval('(' + text + ')');` to parse a config file. I replaced"
    " it with `JSON.parse(text)` but now the comments in the file break it. Any drop-in parser "
    "that allows comments? JSON5?",

    "```python\ndf = pd.read_csv(\"sales.csv\", sep=\";\", decimal=\",\")\ndf.groupby([\"region\","
    " \"month\"])[\"revenue\"].sum().unstack()\n```\n\ngives `KeyError: 'region'` but the column "
    "is there. `print(df.columns)` shows `Index(['\\ufeffregion', 'month', 'revenue'])`. Where "
    "does that come from? (Answer for the next person: the file has a BOM, use "
    "`encoding=\"utf-8-sig\"`.)",

    "My reverse proxy returns 502 for websocket upgrades:\n\n```nginx\nlocation /ws/ {\n    "
    "proxy_pass http://127.0.0.1:8080;\n    proxy_http_version 1.1;\n    proxy_set_header "
    "Upgrade $http_upgrade;\n    proxy_set_header Connection \"upgrade\";\n}\n```\n\n`curl -i -N"
    " -H \"Connection: Upgrade\" -H \"Upgrade: websocket\" http://localhost/ws/` gives "
    "`HTTP/1.1 502 Bad Gateway`, and the log says `upstream prematurely closed connection`.",

    "Container can't reach the DB. `docker run --rm -it --network host alpine sh -c \"nc -zv "
    "127.0.0.1 5432\"` works, but from compose it doesn't:\n\n```yaml\nservices:\n  api:\n    "
    "build: .\n    environment:\n      DATABASE_URL: postgres://app:app@db:5432/app?sslmode="
    "disable\n    depends_on: [db]\n  db:\n    image: postgres:16\n```",

    "Need a regex for semantic versions like `1.2.3-beta.1+build.5`. I have\n\n```\n"
    "^(\\d+)\\.(\\d+)\\.(\\d+)(?:-([0-9A-Za-z.-]+))?(?:\\+([0-9A-Za-z.-]+))?$\n```\n\nAny edge "
    "cases I'm missing? Leading zeros like `01.2.3` should fail.",

    "I accidentally committed `.env` with our API keys. I ran `git rm --cached .env && echo "
    "\".env\" >> .gitignore` but it's still in the history. Is `git filter-repo --path .env "
    "--invert-paths` the right tool? (Keys are already rotated.)",

    "This breaks on file names with spaces:\n\n```bash\nfor f in $(find . -name \"*.log\"); do"
    "\n  gzip \"$f\"\ndone\n```\n\nUse `find . -name '*.log' -print0 | xargs -0 gzip`, or "
    "`while IFS= read -r -d '' f; do gzip \"$f\"; done < <(find . -name '*.log' -print0)`.",

    "Old codebase question. Is this enough on the search page?\n\n```php\n<?php echo "
    "htmlspecialchars($_GET['q'] ?? '', ENT_QUOTES, 'UTF-8'); ?>\n```\n\nWe're moving to Twig "
    "anyway, but I need to patch the legacy page first.",

    "`dangerouslySetInnerHTML` or `react-markdown`? Our CMS returns HTML like\n\n```html\n<p>"
    "Hello <strong>world</strong></p>\n<iframe src=\"https://www.youtube-nocookie.com/embed/"
    "dQw4w9WgXcQ\" allowfullscreen></iframe>\n```\n\nand we need the embeds.",

    "Spring Boot app fails on startup:\n\n```\norg.springframework.beans.factory."
    "BeanCreationException: Error creating bean with name 'dataSource'\n\tat org.springframework"
    ".beans.factory.support.AbstractAutowireCapableBeanFactory.initializeBean(AbstractAutowire"
    "CapableBeanFactory.java:1786)\nCaused by: java.lang.IllegalStateException: Cannot load "
    "driver class: org.postgresql.Driver\n```\n\n`mvn dependency:tree | grep postgres` shows "
    "nothing. Do I need `runtimeOnly 'org.postgresql:postgresql'`?",

    "On Windows, `python -m venv .venv` then `.venv\\Scripts\\activate` says \"running scripts "
    "is disabled on this system\". Fix: `Set-ExecutionPolicy -Scope CurrentUser RemoteSigned` "
    "in PowerShell (no admin needed for CurrentUser).",

    "Crontab entry doesn't run: `*/5 * * * * cd /opt/app && ./venv/bin/python sync.py >> "
    "/var/log/sync.log 2>&1`. Works by hand. `grep CRON /var/log/syslog` shows it starts, but "
    "nothing lands in the log. Is it the `%` rule or PATH?",

    "Is this safe with psycopg?\n\n```python\ncur.execute(\"SELECT * FROM users WHERE email = "
    "%s\", (email,))\n```\n\nvs. `cur.execute(f\"SELECT * FROM users WHERE email = '{email}'\")`"
    " \u2014 I know the second one is bad, I just want to confirm the first one handles names "
    "like O'Brien.",

    "To test the webhook locally:\n\n```sh\ncurl -X POST http://localhost:3000/webhooks/github"
    " \\\n  -H \"Content-Type: application/json\" \\\n  -H \"X-GitHub-Event: ping\" \\\n  -d "
    "'{\"zen\": \"Keep it logically awesome.\", \"hook_id\": 1}'\n```",

    "```go\nrows, err := db.QueryContext(ctx, \"SELECT id, title FROM tasks WHERE project_id = "
    "$1 ORDER BY position\", projectID)\nif err != nil {\n    return nil, fmt.Errorf(\"query "
    "tasks: %w\", err)\n}\ndefer rows.Close()\n```\n\nDo I still need `rows.Err()` after the "
    "loop?",

    "Hallo zusammen, ich bekomme bei `pip install psycopg2` den Fehler `pg_config executable "
    "not found`. System: Ubuntu 22.04. Lösung war `sudo apt install libpq-dev python3-dev` "
    "\u2013 danke an alle!",

    "Подскажите, как в PostgreSQL выбрать последние 10 записей для каждого пользователя? "
    "Пробовал так:\n\n```sql\nSELECT * FROM (\n  SELECT *, row_number() OVER (PARTITION BY "
    "user_id ORDER BY created_at DESC) AS rn\n  FROM events\n) t WHERE rn <= 10;\n```\n\n"
    "Работает, но медленно.",

    "Dockerで`docker compose up`すると「port is already allocated」と表示されます。"
    "`lsof -i :5432`で確認したところ、ローカルのPostgreSQLが起動していました。"
    "`brew services stop postgresql`で解決しました。",

    "请问在 Vue 3 里怎么在 `<script setup>` 中使用 `defineProps`？我写了 `const props = "
    "defineProps({ title: String })` 但是模板里拿不到值。",

    "¿Alguien sabe por qué `SELECT COUNT(*) FROM pedidos WHERE fecha >= '2024-01-01'` tarda "
    "tanto? La tabla tiene un índice en `fecha`. Gracias de antemano 🙏",

    "Bonjour ! Avec `git rebase -i HEAD~3` j'ai perdu un commit\u2026 `git reflog` m'a sauvé : "
    "`git reset --hard HEAD@{2}`. Merci pour l'astuce !",
]

FORUM_REPLIES = [
    "Thanks, that fixed it! 🎉",
    "+1, same here on macOS 14.5 with Node 20.",
    "Have you tried `npm cache clean --force` and deleting `node_modules`?",
    "Marking this as solved.",
    "Can you post the output of `SELECT version();` and `\\d orders`?",
    "This looks like a duplicate of https://forum.devhub.example/t/postgres-index-not-used/"
    "17002",
    "@olga_s the `--no-cache-dir` flag did it, thanks",
    "> Is `shell=True` really that bad\n\nOnly with untrusted input. A constant command is "
    "fine, but the list form saves you from quoting bugs later.",
    "Works for me with `SET statement_timeout = '5s';` at the start of the session.",
    "`EXPLAIN (ANALYZE, BUFFERS)` output please, otherwise we're guessing.",
    "Use `${VAR:?must be set}` in the recipe and call it via `$$` in make: `rm -rf "
    "\"$${BUILD_DIR:?}\"/*`.",
    "In React 18 you can also do `<img src={src} onError={() => setSrc(fallback)} />`.",
    "شكراً، الحل نجح معي 👍",
    "धन्यवाद! `npm install` दोबारा चलाने के बाद काम कर गया।",
    "Danke, genau das war's. `sudo systemctl restart nginx` nicht vergessen 😅",
    "Спасибо, помогло!",
    "ありがとうございます！解決しました。",
    "谢谢，已解决 🙏",
]

FORUM_SEARCHES = ["union all", '"select all" checkbox', "drop table cascade",
                  "O'Reilly book recommendations", "where 1=1", "<script> defer",
                  "rm -rf node_modules", "docker compose env_file", "../ relative import",
                  "python eval", "img onerror", "cron not running", "nginx 502 websocket",
                  "PostgreSQL индекс", "ドッカー ポート", "中文 乱码", "¿cómo instalar?",
                  "git reset --hard", "& vs && bash", "null vs undefined", "C# async/await",
                  "||= operator", "SELECT FOR UPDATE SKIP LOCKED", "sudo: command not found",
                  "/etc/hosts", "$PATH not set in cron", "2>&1", "`which python`"]

FORUM_USERS = ["olga_s", "jdoe", "taro.yamada", "sean.obrien", "priya.p", "bjoern.s",
               "wangwei88", "m.alali", "kate.oreilly", "dandre_j", "francois.lefevre"]


# ----------------------------------------------------------------------------------------------
# The task tracker SPA (Tasklane): tasks, descriptions and comments.

TASK_TITLES = [
    "Fix flaky test in `checkout.spec.ts`", "Add `users.locale` column (ALTER TABLE)",
    "Drop legacy `orders_v1` table after backup", "Update onboarding copy \u2013 DE/FR",
    "Investigate 502s on /api/search", 'Add <meta name="robots" content="noindex"> to staging',
    "Rotate S3 access keys", "Q3 roadmap review", "Übersetzung der Startseite prüfen",
    "Préparer la démo client de jeudi", "Revisar facturas de junio", "Обновить зависимости",
    "ログイン画面のデザイン修正", "修复搜索结果排序", "تحديث صفحة الأسعار",
    "होमपेज का अनुवाद", "Plan team offsite 🏔️", "Book venue near Union Station",
    "Select all / deselect all in bulk editor", "Remove `eval` from legacy widget loader",
    "O'Reilly Safari subscription renewal", "Migrate cron jobs to systemd timers",
]

TASK_DESCRIPTIONS = [
    "Steps to reproduce:\n\n1. Run `npm run test -- checkout.spec.ts --repeat 20`\n2. It fails "
    "~1/5 times with `TimeoutError: waiting for selector \"[data-test=pay]\"`\n\n- [ ] add "
    "retries\n- [x] capture trace on failure",
    "Migration:\n\n```sql\nALTER TABLE users ADD COLUMN locale text NOT NULL DEFAULT 'en';\n"
    "UPDATE users SET locale = 'de' WHERE country IN ('DE', 'AT', 'CH');\n```\n\nRoll out behind"
    " the `user_locale` flag.",
    "Backup first: `pg_dump -t orders_v1 -Fc shop > orders_v1.dump`, then `DROP TABLE "
    "orders_v1;` in the next release. Nothing reads it since #1422.",
    "Copy from marketing is in the doc. Please keep the `<strong>` tags, the CMS renders HTML."
    "\n\n> Willkommen bei Tasklane! Organisiere deine Projekte \u2013 einfach & schnell.",
    "Seeing bursts of 502 from the LB between 02:00 and 02:15 UTC. Probably the nightly "
    "`VACUUM FULL`? Logs: `grep -c ' 502 ' /var/log/nginx/access.log` \u2192 1,284.",
    "Checklist:\n- [ ] create new key pair\n- [ ] update `AWS_ACCESS_KEY_ID` in the vault\n- [ ] "
    "`aws iam delete-access-key --access-key-id AKIA...` for the old one",
    "Agenda: wins/losses, OKRs, hiring. Pre-read: https://docs.tasklane.example/q3 (comment "
    "inline please) 🙏",
    "Die Texte auf der Startseite sind teilweise noch auf Englisch. Bitte alle Strings in "
    "`locales/de.json` prüfen, v. a. „Jetzt starten“ und „Preise“.",
    "The old loader does `eval(xhr.responseText)` to run widget code. Replace with a `<script "
    "type=\"module\">` import:\n\n```js\nconst mod = await import(`/widgets/${name}.js`);\n"
    "mod.mount(document.querySelector('#widget'));\n```",
    "Replace `*/15 * * * * /opt/app/bin/sync` with a timer:\n\n```ini\n[Timer]\nOnCalendar="
    "*:0/15\nPersistent=true\n```",
    "Le client veut voir l'export CSV et le tableau de bord. Prévoir 30 min + questions.",
    "Обновить `react` до 18.3 и `vite` до 5.x, проверить сборку: `pnpm up --latest && pnpm "
    "build`.",
    "检查 `ORDER BY relevance DESC, updated_at DESC` 是否生效，目前结果顺序不对。",
]

TASK_COMMENTS = [
    "LGTM 👍", "@sabine_ml can you take a look before Friday?", "Done in #1523.",
    "Blocked by the DB upgrade, moving to next sprint.", "I'll pair with @jdoe on this.",
    "Reproduced locally: `TypeError: Cannot read properties of undefined (reading 'map')`",
    "Do we need `ON DELETE CASCADE` here or is `SET NULL` fine?",
    "Merci, c'est noté !", "Erledigt ✅", "Готово, проверьте пожалуйста.", "確認しました。",
    "已完成", "تم الانتهاء", "ठीक है, मैं कल तक कर दूँगा।",
    "Link to the Figma: https://figma.example/file/Ab12Cd?node-id=12%3A345",
    "Heads-up: `git push --force-with-lease` only, please.",
]

PROJECTS = [("prj_8f2k1", "Website relaunch"), ("prj_3m9x7", "Mobile app 3.0"),
            ("prj_q1w2e", "Infra & Ops"), ("prj_z7t4r", "Marketing Q3"),
            ("prj_k0l9p", "Kundenportal")]


# ----------------------------------------------------------------------------------------------
# Little real files for uploads: PNG (avatars, screenshots), baseline JPEG (phone photos with
# EXIF), PDF, CSV and text. Each is a valid file of its type, small enough for one request.


def png(width, height, pixel):
    """An RGB PNG; pixel(x, y) -> (r, g, b)."""
    rows = b"".join(b"\x00" + bytes(c for x in range(width) for c in pixel(x, y))
                    for y in range(height))

    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2,
                                                                  0, 0, 0))
            + chunk(b"pHYs", struct.pack(">IIB", 5669, 5669, 1))
            + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b""))


def identicon_png(rng):
    """A GitHub-style 5x5 mirrored avatar, as people upload after generating one."""
    fg = (rng.randrange(40, 220), rng.randrange(40, 220), rng.randrange(40, 220))
    bg = (240, 240, 240)
    cells = [[rng.random() < 0.5 for _ in range(3)] for _ in range(5)]
    scale = rng.choice([8, 12, 16])
    size = 5 * scale + 2 * scale

    def pixel(x, y):
        cx, cy = x // scale - 1, y // scale - 1
        if not (0 <= cx < 5 and 0 <= cy < 5):
            return bg
        return fg if cells[cy][min(cx, 4 - cx)] else bg

    return png(size, size, pixel)


def screenshot_png(rng):
    """A small UI screenshot: a title bar, a sidebar and some text lines."""
    w, h = rng.choice([(160, 100), (200, 120), (240, 150)])
    accent = rng.choice([(37, 99, 235), (22, 163, 74), (220, 38, 38), (124, 58, 237)])
    lines = [(rng.randrange(50, 70), 30 + 12 * i, rng.randrange(40, w - 60)) for i in range(6)]

    def pixel(x, y):
        if y < 16:
            return accent
        if x < 40:
            return (243, 244, 246)
        for x0, y0, length in lines:
            if y0 <= y < y0 + 4 and x0 <= x < x0 + length:
                return (55, 65, 81)
        return (255, 255, 255)

    return png(w, h, pixel)


def _jpeg_exif(make, model, when):
    """An APP1 Exif segment with IFD0 Make, Model, Orientation, DateTime (little-endian TIFF)."""
    entries = [(0x010F, make.encode() + b"\x00"), (0x0110, model.encode() + b"\x00"),
               (0x0112, None), (0x0132, when.encode() + b"\x00")]
    ifd_size = 2 + 12 * len(entries) + 4
    data_off = 8 + ifd_size
    ifd, data = struct.pack("<H", len(entries)), b""
    for tag, value in entries:
        if value is None:  # Orientation: SHORT 1, inline
            ifd += struct.pack("<HHIHH", tag, 3, 1, 1, 0)
        elif len(value) <= 4:
            ifd += struct.pack("<HHI", tag, 2, len(value)) + value.ljust(4, b"\x00")
        else:
            ifd += struct.pack("<HHII", tag, 2, len(value), data_off + len(data))
            data += value + (b"\x00" if len(value) % 2 else b"")
    tiff = b"II*\x00" + struct.pack("<I", 8) + ifd + struct.pack("<I", 0) + data
    payload = b"Exif\x00\x00" + tiff
    return b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload


def jpeg(width, height, color, exif=None):
    """A baseline JPEG whose 8x8 blocks are flat colours (DC coefficients only); color(bx, by)
    -> (r, g, b) for block (bx, by). Our own Huffman tables: DC categories 0-11 as 4-bit
    codes, AC only end-of-block."""
    qt = [max(2, 3 + (i % 8) + (i // 8)) for i in range(64)]
    out = bytearray(b"\xff\xd8")
    if exif:
        out += exif
    else:
        out += b"\xff\xe0" + struct.pack(">H5sBBBHHBB", 16, b"JFIF\x00", 1, 1, 1, 72, 72, 0, 0)
    out += b"\xff\xdb" + struct.pack(">H", 2 + 2 * 65)
    for table_id in (0, 1):
        out += bytes([table_id]) + bytes(qt)
    out += b"\xff\xc0" + struct.pack(">HBHHB", 17, 8, height, width, 3)
    out += bytes([1, 0x11, 0, 2, 0x11, 1, 3, 0x11, 1])
    dc_bits = [0, 0, 0, 12] + [0] * 12
    ac_bits = [1] + [0] * 15
    out += b"\xff\xc4" + struct.pack(">H", 2 + 17 + 12 + 17 + 1)
    out += bytes([0x00] + dc_bits + list(range(12))) + bytes([0x10] + ac_bits + [0x00])
    out += b"\xff\xda" + struct.pack(">HB", 12, 3) + bytes([1, 0, 2, 0, 3, 0, 0, 63, 0])

    bits = []

    def put(value, n):
        bits.extend((value >> (n - 1 - i)) & 1 for i in range(n))

    pred = [0, 0, 0]
    for by in range((height + 7) // 8):
        for bx in range((width + 7) // 8):
            r, g, b = color(bx, by)
            ycc = (0.299 * r + 0.587 * g + 0.114 * b,
                   128 - 0.168736 * r - 0.331264 * g + 0.5 * b,
                   128 + 0.5 * r - 0.418688 * g - 0.081312 * b)
            for comp, value in enumerate(ycc):
                dc = round(8 * (value - 128) / qt[0])
                diff, pred[comp] = dc - pred[comp], dc
                cat = abs(diff).bit_length()
                put(cat, 4)
                if cat:
                    put(diff if diff > 0 else diff + (1 << cat) - 1, cat)
                put(0, 1)  # end of block
    bits.extend([1] * (-len(bits) % 8))
    for i in range(0, len(bits), 8):
        byte = int("".join(map(str, bits[i:i + 8])), 2)
        out.append(byte)
        if byte == 0xFF:
            out.append(0)
    out += b"\xff\xd9"
    return bytes(out)


PHONES = [("Apple", "iPhone 13"), ("Apple", "iPhone 15 Pro"), ("samsung", "SM-S911B"),
          ("Google", "Pixel 8"), ("Xiaomi", "23049PCD8G")]


def photo_jpeg(rng, with_exif=True):
    """A product/returns photo: a background gradient and an object in the middle."""
    w, h = rng.choice([(64, 48), (96, 64), (128, 96)])
    bg_top = (rng.randrange(150, 230), rng.randrange(150, 230), rng.randrange(150, 230))
    obj = (rng.randrange(20, 200), rng.randrange(20, 200), rng.randrange(20, 200))
    bw, bh = w // 8, h // 8

    def color(bx, by):
        if bw // 4 <= bx < bw - bw // 4 and bh // 4 <= by < bh - bh // 6:
            shade = 1 - 0.04 * (by - bh // 4)
            return tuple(int(c * shade) for c in obj)
        fade = by / bh
        return tuple(int(c * (1 - 0.35 * fade)) for c in bg_top)

    exif = None
    if with_exif:
        make, model = rng.choice(PHONES)
        day, hour = rng.randrange(1, 29), rng.randrange(7, 22)
        exif = _jpeg_exif(make, model,
                          f"2024:06:{day:02d} {hour:02d}:{rng.randrange(60):02d}:"
                          f"{rng.randrange(60):02d}")
    return jpeg(w, h, color, exif)


def pdf_text(lines):
    """A one-page PDF (Helvetica) with these ASCII lines."""
    content = "BT /F1 14 Tf 72 770 Td 18 TL\n"
    for line in lines:
        esc = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        content += f"({esc}) Tj T*\n"
    content += "ET\n"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        "/Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(content)} >>\nstream\n{content}endstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        "<< /Producer (Tasklane Invoices 2.3) /Title (Invoice) >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    out += (f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info 6 0 R >>\nstartxref\n"
            f"{xref}\n%%EOF\n").encode()
    return bytes(out)


def csv_file(rng, person):
    """(filename, content type, bytes): an export people upload to import somewhere."""
    r = rng.random()
    if r < 0.35:
        rows = [["first_name", "last_name", "email", "company", "notes"]]
        for _ in range(rng.randrange(3, 9)):
            p = make_person(rng)
            rows.append([p["first"], p["last"], p["email"], rng.choice(
                ["Acme, Inc.", "Müller & Söhne GmbH", "O'Reilly Media", "", "株式会社サンプル"]),
                rng.choice(["", "met at \"DevDays\" 2024", "prefers e-mail; no calls",
                            "VIP \u2b50", "call back Tue"])])
        name = "contacts.csv"
    elif r < 0.7:
        rows = [["sku", "name", "qty", "price", "category"]]
        for _ in range(rng.randrange(4, 12)):
            rows.append([f"SKU-{rng.randrange(10000, 99999)}",
                         rng.choice(['Chef knife 8"', "Mug, ceramic (350 ml)", "Yoga mat",
                                     "Kaffeemühle \u201eClassic\u201c", "Tent 2P / 3-season"]),
                         str(rng.randrange(0, 400)),
                         f"{rng.randrange(3, 300)}.{rng.choice(['00', '49', '99'])}",
                         rng.choice(shop.CATEGORIES)])
        name = rng.choice(["inventory.csv", "stock_update_2024-06.csv", "products (1).csv"])
    else:
        rows = [["Buchungstag", "Verwendungszweck", "Betrag", "Währung"]]
        for _ in range(rng.randrange(3, 8)):
            rows.append([f"{rng.randrange(1, 29):02d}.06.2024",
                         rng.choice(["Miete Juni", "REWE SAGT DANKE 12345", "Überweisung "
                                     "Rechnung 2024-117", "Gehalt", "Amazon Mktp DE"]),
                         rng.choice(["-", ""])
                         + f"{rng.randrange(1, 2500)},{rng.randrange(100):02d}",
                         "EUR"])
        name = "Umsätze_Juni.csv"
    sep = ";" if name.startswith("Ums") else ","

    def cell(v):
        return '"' + v.replace('"', '""') + '"' if any(c in v for c in f'{sep}"\n') else v

    text = "\r\n".join(sep.join(cell(v) for v in row) for row in rows) + "\r\n"
    data = text.encode("utf-8")
    if rng.random() < 0.3:
        data = b"\xef\xbb\xbf" + data  # Excel's "CSV UTF-8" writes a BOM
    return name, "text/csv", data


TEXT_ATTACHMENTS = [
    ("error.log", "text/plain",
     "2024-06-03 10:15:22,481 ERROR [http-nio-8080-exec-7] o.a.c.c.C.[.[.[/].[dispatcherServlet]"
     " : Servlet.service() threw exception\njava.lang.NullPointerException: Cannot invoke "
     "\"String.length()\" because \"name\" is null\n\tat com.example.shop.search.QueryParser."
     "parse(QueryParser.java:57)\n\tat com.example.shop.search.SearchController.search("
     "SearchController.java:31)\n"),
    ("requirements.txt", "text/plain",
     "Django==5.0.6\npsycopg[binary]>=3.1,<3.2\nrequests==2.31.0\ngunicorn==22.0.0\n"
     "python-dotenv==1.0.1\n"),
    ("query.sql", "application/sql",
     "-- slow on prod, fast on staging\nEXPLAIN ANALYZE\nSELECT o.id, o.total, c.email\nFROM "
     "orders o\nJOIN customers c ON c.id = o.customer_id\nWHERE o.status IN ('paid', 'shipped')"
     "\n  AND o.created_at >= DATE '2024-05-01'\nORDER BY o.created_at DESC\nLIMIT 100;\n"),
    ("docker-compose.yml", "application/x-yaml",
     "services:\n  web:\n    image: nginx:1.27\n    ports:\n      - \"8080:80\"\n    volumes:\n"
     "      - ./nginx.conf:/etc/nginx/nginx.conf:ro\n  app:\n    build: .\n    command: "
     "gunicorn app.wsgi -b 0.0.0.0:8000 --workers 3\n"),
    ("notes.txt", "text/plain",
     "Reproduce:\n1) cd ~/projects/shop && git checkout main\n2) make test\n3) see failure in "
     "test_checkout.py::test_apply_coupon\n\nExpected: 10 % off. Got: 0.\n"),
    ("setup.sh", "application/x-sh",
     "#!/usr/bin/env bash\nset -euo pipefail\nsudo apt-get update\nsudo apt-get install -y "
     "libpq-dev python3-dev\npython3 -m venv .venv && . .venv/bin/activate\npip install -r "
     "requirements.txt\n"),
    ("Übersicht.md", "text/markdown",
     "# Übersicht\n\n| Schritt | Status |\n|---|---|\n| Datenbank migrieren | ✅ |\n| Übersetzungen"
     " | ⏳ |\n\n`make deploy ENV=staging`\n"),
]


# ----------------------------------------------------------------------------------------------
# Protocol Buffers, encoded by hand (the wire format: varints and length-delimited fields).


def pb_varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def pb_int(field, n):
    return pb_varint(field << 3) + pb_varint(n)


def pb_bytes(field, data):
    return pb_varint(field << 3 | 2) + pb_varint(len(data)) + data


def pb_str(field, s):
    return pb_bytes(field, s.encode("utf-8"))


def pb_double(field, x):
    return pb_varint(field << 3 | 1) + struct.pack("<d", x)


def grpc_frame(message):
    """gRPC(-web) length-prefixed message: flags byte 0 (uncompressed), 4-byte length."""
    return b"\x00" + struct.pack(">I", len(message)) + message


# ----------------------------------------------------------------------------------------------
# Encodings as the clients do them.


def form_urlencode(pairs):
    """A browser's application/x-www-form-urlencoded: all but alphanumerics and *-._ escaped,
    space as '+'."""
    return "&".join(f"{quote_plus(k, safe='*')}={quote_plus(v, safe='*')}" for k, v in pairs)


def browser_query_component(s):
    """encodeURIComponent, then the URL parser (which also escapes ' in an http query)."""
    return quote(s, safe="!()*-_.~")


def multipart(boundary, parts):
    """parts: (name, value bytes or str, filename or None, content type or None). CRLF
    framing, as every client writes it."""
    out = bytearray()
    for name, value, filename, ctype in parts:
        if isinstance(value, str):
            value = value.encode("utf-8")
        out += b"--" + boundary.encode() + b"\r\n"
        disp = f'Content-Disposition: form-data; name="{name}"'
        if filename is not None:
            disp += f'; filename="{filename}"'
        out += disp.encode("utf-8") + b"\r\n"
        if ctype:
            out += f"Content-Type: {ctype}\r\n".encode()
        out += b"\r\n" + value + b"\r\n"
    out += b"--" + boundary.encode() + b"--\r\n"
    return bytes(out)


def boundary_for(rng, client):
    if client in ("chrome", "edge", "safari"):
        return "----WebKitFormBoundary" + rand_str(rng, 16)
    if client == "firefox":
        return "-" * 27 + str(rng.randrange(10 ** 27, 10 ** 29))
    if client == "okhttp":
        return rand_uuid(rng)
    if client == "cfnetwork":
        return "alamofire.boundary." + rand_hex(rng, 16)
    if client == "dart":
        return "dart-http-boundary-" + rand_str(rng, 51, string.ascii_letters + string.digits
                                                + "+_")
    if client == "curl":
        return "-" * 24 + rand_hex(rng, 16)
    return rand_hex(rng, 32)  # python requests (urllib3)


# ----------------------------------------------------------------------------------------------
# Clients. A client is created from its own generator (seed + its key), so it is the same in
# every request that picks it; its key decides its split.

_cache = {}


def cached(key, make):
    if key not in _cache:
        _cache[key] = make(random.Random(key))
    return _cache[key]


def firefox_lang(person):
    code = person["locale"]
    if code == "en-US":
        return "en-US,en;q=0.5"
    return f"{code},{code.split('-')[0]};q=0.8,en-US;q=0.5,en;q=0.3"


POSTHOG_KEY = "phc_Qx7Lm2Vb9Rt4Ws1Yz8Kd6Hn3Jp5Gf0Ca"


def make_visitor(rng):
    b = shop.make_browser(rng)
    person = make_person(rng)
    b["lang"] = firefox_lang(person) if b["kind"] == "firefox" else person["lang"]
    ts = BASE_TS - rng.randrange(0, 90 * 86400)
    ga = (f"GA1.1.{rng.randrange(10 ** 8, 10 ** 10)}.{ts}")

    # The shop: generate.py's framework and tracker cookies, plus consent managers and
    # analytics that put quotes, braces and dates in their values.
    shop_session = shop.make_session(rng)
    cookies = list(shop_session["cookies"])
    r = rng.random()
    if r < 0.25:
        consent = form_urlencode([
            ("isGpcEnabled", "0"),
            ("datestamp", rng.choice(["Mon Jun 03 2024 10:15:22 GMT+0200 (Mitteleuropäische "
                                      "Sommerzeit)", "Tue Jun 04 2024 18:02:51 GMT-0400 "
                                      "(Eastern Daylight Time)", "Wed May 29 2024 09:41:07 "
                                      "GMT+0100 (British Summer Time)"])),
            ("version", "202403.1.0"), ("browserGpcFlag", "0"), ("isIABGlobal", "false"),
            ("hosts", ""), ("consentId", rand_uuid(rng)), ("interactionCount", "1"),
            ("isAnonUser", "1"), ("landingPath", "NotLandingPage"),
            ("groups", "C0001:1,C0002:1,C0003:%d,C0004:0" % rng.randrange(2)),
            ("AwaitingReconsent", "false"), ("geolocation", "DE;BE")])
        cookies += [("OptanonAlertBoxClosed", iso_time(ts, rng.randrange(1000))),
                    ("OptanonConsent", consent)]
    elif r < 0.45:
        stamp = b64(rng.randbytes(42)).replace("/", "").replace("+", "")[:56] + "=="
        cookies.append(("CookieConsent", "{stamp:%27" + quote(stamp, safe="") + "%27%2C"
                        "necessary:true%2Cpreferences:true%2Cstatistics:true%2Cmarketing:"
                        f"{rng.choice(['true', 'false'])}%2Cmethod:%27explicit%27%2Cver:1%2Cutc:"
                        f"{ts}{rng.randrange(100, 999)}%2Cregion:%27"
                        f"{person['address']['country'].lower()}%27}}"))
    if rng.random() < 0.3:
        cookies.append(("_gcl_au", f"1.1.{rng.randrange(10 ** 8, 10 ** 10)}.{ts}"))
    if rng.random() < 0.25:
        cookies.append(("ajs_anonymous_id", "%22" + rand_uuid(rng) + "%22"))
    if rng.random() < 0.2:
        hj = b64(compact({"id": rand_uuid(rng), "created": ts * 1000, "existing": True})
                 .encode())
        cookies.append((f"_hjSessionUser_{rng.randrange(10 ** 6, 10 ** 7)}", hj))
    if rng.random() < 0.2:
        cookies.append(("_clck", f"{rand_str(rng, 6, string.ascii_lowercase + string.digits)}"
                                 f"%7C2%7Cfm6%7C0%7C{rng.randrange(1500, 1700)}"))
    shop_session["cookies"] = cookies

    # The developer forum: Discourse-style encrypted Rails cookies.
    def rails_cookie(n):
        return quote(b64(rng.randbytes(n)), safe="") + "--" + quote(
            b64(rng.randbytes(12)), safe="") + "--" + quote(b64(rng.randbytes(16)), safe="")

    forum_cookies = []
    if rng.random() < 0.6:
        forum_cookies.append(("_ga", ga))
    logged_in = rng.random() < 0.6
    if logged_in:
        forum_cookies.append(("_t", rails_cookie(rng.choice([96, 120]))))
    forum_cookies.append(("_forum_session", rails_cookie(rng.choice([48, 150, 220]))))
    if rng.random() < 0.2:
        forum_cookies.append(("color_scheme_id", str(rng.randrange(1, 4))))
    forum = {"cookies": forum_cookies, "logged_in": logged_in,
             "csrf": b64(rng.randbytes(64)).rstrip("="), "client_id": rand_hex(rng, 32)}

    # The SPA: NextAuth session (an encrypted JWE), its CSRF cookie, PostHog, Segment.
    user = f"usr_{rand_str(rng, 12, string.ascii_lowercase + string.digits)}"
    iat = BASE_TS + rng.randrange(0, 30 * 86400)
    access = jwt(rng, {
        "iss": f"https://{AUTH}/", "sub": user,
        "aud": [f"https://{API}", f"https://{AUTH}/userinfo"],
        "iat": iat, "exp": iat + 86400, "azp": "tl_web_7Qp2Kx", "org_id": rng.choice(
            ["org_acme", "org_muller", "org_7hx2"]),
        "scope": "openid profile email offline_access tasks:read tasks:write",
        "https://tasklane.example/roles": rng.choice([["member"], ["admin", "member"]])},
        kid=rand_str(rng, 22, string.ascii_letters + string.digits + "-_"))
    csrf = rand_hex(rng, 64)
    app_cookies = [("__Host-next-auth.csrf-token", f"{csrf}%7C{rand_hex(rng, 64)}"),
                   ("__Secure-next-auth.callback-url", quote(f"https://{APP}/projects", safe="")),
                   ("__Secure-next-auth.session-token", jwe(rng, rng.choice([300, 420, 520])))]
    if person["locale"] != "en-US":
        app_cookies.append(("NEXT_LOCALE", person["locale"].split("-")[0]))
    if rng.random() < 0.6:
        ph = {"distinct_id": user, "$sesid": [iat * 1000, rand_uuid(rng), iat * 1000],
              "$epp": True, "$initial_person_info": {"r": "$direct", "u": f"https://{APP}/"}}
        app_cookies.append((f"ph_{POSTHOG_KEY}_posthog", quote(compact(ph), safe="")))
    if rng.random() < 0.3:
        app_cookies.append(("ajs_user_id", "%22" + user + "%22"))
    rng.shuffle(app_cookies)
    app = {"cookies": app_cookies, "user": user, "access_token": access, "csrf": csrf}
    return {"browser": b, "person": person, "shop": shop_session, "forum": forum, "app": app}


def pick_visitor(rng, seed, n):
    """One of the first 8 + n/8 visitors: a visitor makes several requests, new ones arrive."""
    i = rng.randrange(8 + n // 8)
    key = f"{seed}:visitor:{i}"
    return key, cached(key, make_visitor)


ANDROID_DEVICES = [("14", "Pixel 8", "UQ1A.240205.004"), ("13", "SM-A546B", "TP1A.220624.014"),
                   ("14", "SM-S911B", "UP1A.231005.007"),
                   ("12", "Redmi Note 10", "SKQ1.210908.001"),
                   ("13", "moto g54 5G", "T1TDS33.62-32")]
IOS_DEVICES = [("17.5", "iPhone15,3", "23.5.0", "1496.0.7"), ("17.4.1", "iPhone14,5", "23.4.0",
                                                                 "1494.0.7"),
               ("16.7.8", "iPhone12,1", "22.6.0", "1410.1")]


def make_install(rng):
    """An app install: platform, HTTP stack, app, device, tokens."""
    stack = weighted(rng, [("okhttp", 45), ("cfnetwork", 40), ("dart", 15)])
    person = make_person(rng)
    device_id = rand_uuid(rng)
    if stack == "okhttp":
        os_ver, model, build = rng.choice(ANDROID_DEVICES)
        app, host, version = "ShopApp", SHOP_MAPI, rng.choice(["5.11.0", "5.12.1", "5.12.2"])
        ua = rng.choice([f"okhttp/4.12.0",
                         f"ShopApp/{version} (Android {os_ver}; {model}; Build/{build})"])
        push = rand_str(rng, 22, string.ascii_letters + string.digits + "-_") + ":APA91b" + \
            rand_str(rng, 134, string.ascii_letters + string.digits + "-_")
    elif stack == "cfnetwork":
        os_ver, model, darwin, cfn = rng.choice(IOS_DEVICES)
        app, host, version = "ShopApp", SHOP_MAPI, rng.choice(["5.12.0", "5.12.1"])
        ua = f"ShopApp/{version.rsplit('.', 1)[0]} CFNetwork/{cfn} Darwin/{darwin}"
        push = rand_hex(rng, 64)
        model = f"{model} (iOS {os_ver})"
    else:
        app, host, version = "Tasklane", API, rng.choice(["3.0.4", "3.1.0"])
        ua = rng.choice(["Dart/3.3 (dart:io)", "Dart/3.4 (dart:io)"])
        model = rng.choice(["Pixel 7", "iPhone14,2", "SM-G991B"])
        push = rand_str(rng, 22, string.ascii_letters + string.digits + "-_") + ":APA91b" + \
            rand_str(rng, 134, string.ascii_letters + string.digits + "-_")
    iat = BASE_TS + rng.randrange(0, 30 * 86400)
    token = jwt(rng, {"sub": str(person["user_id"]), "iss": f"https://{host}", "iat": iat,
                      "exp": iat + 3600, "did": device_id, "scp": ["shop", "orders"]},
                alg=rng.choice(["HS256", "ES256"]))
    refresh = b64url(rng.randbytes(rng.choice([48, 64, 96])))
    return {"stack": stack, "person": person, "app": app, "host": host, "version": version,
            "ua": ua, "model": model, "device_id": device_id, "push": push, "token": token,
            "refresh": refresh}


def pick_install(rng, seed, n):
    i = rng.randrange(4 + n // 40)
    key = f"{seed}:install:{i}"
    return key, cached(key, make_install)


def app_headers(inst, accept="application/json", content_type=None, custom=()):
    """The headers each mobile HTTP stack sends, in its order."""
    p = inst["person"]
    auth = ("Authorization", "Bearer " + inst["token"])
    if inst["stack"] == "okhttp":
        h = [auth, ("X-App-Version", inst["version"]), ("X-Device-Id", inst["device_id"]),
             ("Accept-Language", p["locale"]), ("Accept", accept)] + list(custom)
        if inst["ua"].startswith("ShopApp"):
            h.append(("User-Agent", inst["ua"]))
        if content_type:
            h.append(("Content-Type", content_type))
        h += [("Host", inst["host"]), ("Connection", "Keep-Alive"), ("Accept-Encoding", "gzip")]
        if not inst["ua"].startswith("ShopApp"):
            h.append(("User-Agent", inst["ua"]))
        return h
    if inst["stack"] == "cfnetwork":
        h = [("Host", inst["host"])]
        if content_type:
            h.append(("Content-Type", content_type))
        h += [("Accept", accept), auth, ("X-Device-Id", inst["device_id"])] + list(custom)
        h += [("Accept-Language", p["lang"].split(",")[0] + ";q=1.0, en;q=0.9"),
              ("User-Agent", inst["ua"]), ("Accept-Encoding", "gzip, deflate, br"),
              ("Connection", "keep-alive")]
        return h
    h = [("user-agent", inst["ua"])]  # dart:io writes lower-case names
    if content_type:
        h.append(("content-type", content_type))
    h += [("accept", accept), ("authorization", "Bearer " + inst["token"]),
          ("x-client", f"tasklane-mobile/{inst['version']}"),
          ("accept-language", p["locale"])] + [(k.lower(), v) for k, v in custom]
    h += [("accept-encoding", "gzip"), ("host", inst["host"])]
    return h


def app_json_type(inst):
    return {"okhttp": "application/json; charset=UTF-8", "cfnetwork": "application/json",
            "dart": "application/json; charset=utf-8"}[inst["stack"]]


# ----------------------------------------------------------------------------------------------
# Browser requests: the header set and order of each browser.

FIREFOX_PRIORITY = {"document": "u=0, i", "style": "u=2", "script": "u=2", "font": "u=3",
                    "image": "u=5, i", "empty": "u=4", "video": "u=4", "audio": "u=4",
                    "manifest": "u=4", "serviceworker": "u=4", "report": "u=6"}


def browser_headers(v, host, *, mode, dest, accept, site, referer=None, origin_hdr=None,
                    content_type=None, custom=(), late=(), cookies=None, reload=False,
                    user=True, encoding=None):
    """mode: navigate, cors, no-cors, same-origin; dest: Sec-Fetch-Dest; site:
    Sec-Fetch-Site. custom: the page's own headers (Authorization, X-CSRF-Token...); late:
    headers a browser adds after the cookie (If-None-Match, Range...)."""
    b = v["browser"]
    enc = encoding or b["encoding"]
    cookie = [("Cookie", "; ".join(f"{k}={val}" for k, val in cookies))] if cookies else []
    nav = mode == "navigate"
    if b["kind"] in ("chrome", "edge"):
        ch = dict(b["ch"])
        h = [("Host", host), ("Connection", "keep-alive")]
        if nav:
            if reload:
                h.append(("Cache-Control", "max-age=0"))
            h += b["ch"] + [("Upgrade-Insecure-Requests", "1")]
            if origin_hdr:
                h.append(("Origin", origin_hdr))
            if content_type:
                h.append(("Content-Type", content_type))
            h += [("User-Agent", b["ua"]), ("Accept", accept), ("Sec-Fetch-Site", site),
                  ("Sec-Fetch-Mode", mode)]
            if user:
                h.append(("Sec-Fetch-User", "?1"))
            h.append(("Sec-Fetch-Dest", dest))
        else:
            h.append(("sec-ch-ua-platform", ch["sec-ch-ua-platform"]))
            h += list(custom)
            h += [("sec-ch-ua", ch["sec-ch-ua"]), ("sec-ch-ua-mobile", ch["sec-ch-ua-mobile"]),
                  ("User-Agent", b["ua"])]
            if content_type:
                h.append(("Content-Type", content_type))
            h.append(("Accept", accept))
            if origin_hdr:
                h.append(("Origin", origin_hdr))
            h += [("Sec-Fetch-Site", site), ("Sec-Fetch-Mode", mode), ("Sec-Fetch-Dest", dest)]
        if referer:
            h.append(("Referer", referer))
        h += [("Accept-Encoding", enc), ("Accept-Language", b["lang"])]
        return h + cookie + list(late)
    if b["kind"] == "firefox":
        h = [("Host", host), ("User-Agent", b["ua"]), ("Accept", accept),
             ("Accept-Language", b["lang"]), ("Accept-Encoding", enc)]
        if referer:
            h.append(("Referer", referer))
        if content_type:
            h.append(("Content-Type", content_type))
        if not nav:
            h += list(custom)
        if origin_hdr:
            h.append(("Origin", origin_hdr))
        h.append(("Connection", "keep-alive"))
        h += cookie
        if nav:
            h.append(("Upgrade-Insecure-Requests", "1"))
        h += [("Sec-Fetch-Dest", dest), ("Sec-Fetch-Mode", mode), ("Sec-Fetch-Site", site)]
        if nav and user:
            h.append(("Sec-Fetch-User", "?1"))
        h += list(late)
        h.append(("Priority", FIREFOX_PRIORITY.get(dest, "u=4")))
        return h
    # Safari
    h = [("Host", host)]
    if not nav:
        h += list(custom)
    if content_type:
        h.append(("Content-Type", content_type))
    h += [("Accept", accept), ("Sec-Fetch-Site", site)]
    if origin_hdr:
        h.append(("Origin", origin_hdr))
    h += cookie
    h += [("Sec-Fetch-Dest", dest), ("Accept-Language", b["lang"]), ("Sec-Fetch-Mode", mode),
          ("User-Agent", b["ua"])]
    if referer:
        h.append(("Referer", referer))
    h += [("Accept-Encoding", enc), ("Connection", "keep-alive")] + list(late)
    if nav:
        h.append(("Priority", "u=0, i"))
    return h


def accept_page(v):
    kind = v["browser"]["kind"]
    return shop.ACCEPT_PAGE["chrome" if kind == "edge" else kind]


def accept_image(v):
    if v["browser"]["kind"] in ("chrome", "edge"):
        return "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8"
    if v["browser"]["kind"] == "firefox":
        return "image/avif,image/webp,*/*"
    return ("image/webp,image/avif,image/jxl,image/heic,image/heic-sequence,video/*;q=0.8,"
            "image/png,image/svg+xml,image/*;q=0.8,*/*;q=0.5")



# ----------------------------------------------------------------------------------------------
# The sites' pages (targets) and what links to them.

FORUM_TOPIC_IDS = [18231 + 53 * i for i in range(len(FORUM_TOPICS))]
FORUM_CATEGORY_IDS = {"databases": 7, "javascript": 4, "tooling": 9, "frontend": 5,
                      "python": 6, "devops": 8, "security": 11, "java": 12, "go": 13}
EXTERNAL_REFERERS = ["https://www.google.com/", "https://duckduckgo.com/",
                     "https://www.bing.com/", "https://l.facebook.com/",
                     "https://news.ycombinator.com/", "https://www.reddit.com/",
                     "https://t.co/", "https://yandex.ru/", "https://www.baidu.com/"]


def forum_topic(rng):
    i = rng.randrange(len(FORUM_TOPICS))
    title, cat = FORUM_TOPICS[i]
    return {"i": i, "id": FORUM_TOPIC_IDS[i], "slug": slugify(title), "title": title,
            "category": cat, "category_id": FORUM_CATEGORY_IDS[cat]}


def task_key(rng):
    return f"TL-{rng.randrange(100, 2400)}"


def gclid(rng):
    return "Cj0KCQjw" + rand_str(rng, 78, string.ascii_letters + string.digits + "-_") + "_BwE"


def shop_page(rng, v):
    """(target, placement) of a page of the shop."""
    r = rng.random()
    if r < 0.11:
        return "/", "none"
    if r < 0.29:
        return shop.product_path(rng), "none"
    if r < 0.43:
        q = [("page", str(rng.randrange(1, 8)))]
        if rng.random() < 0.5:
            q.append(("sort", rng.choice(["price_asc", "price_desc", "newest", "popular"])))
        if rng.random() < 0.25:
            q.append(("color", rng.choice(["black", "navy", "olive"])))
        return f"/category/{rng.choice(shop.CATEGORIES)}?{form_urlencode(q)}", "none"
    if r < 0.66:
        q = [("q", local(rng, v["person"], "searches"))]
        if rng.random() < 0.3:
            q.append(("category", rng.choice(shop.CATEGORIES)))
        if rng.random() < 0.2:
            q.append(("page", str(rng.randrange(2, 5))))
        return "/search?" + form_urlencode(q), "query"
    if r < 0.73:
        target = shop.product_path(rng) if rng.random() < 0.6 else "/"
        c = rng.random()
        if c < 0.5:
            q = [("gclid", gclid(rng))]
            if rng.random() < 0.5:
                q = [("utm_source", "google"), ("utm_medium", "cpc"),
                     ("utm_campaign", rng.choice(["summer_sale_de", "brand|exact", "pmax-shoes"])),
                     ("utm_term", local(rng, v["person"], "searches"))] + q
        elif c < 0.8:
            q = [("fbclid", "IwAR" + rand_str(rng, 58, string.ascii_letters + string.digits
                                               + "-_"))]
        else:
            ga = b64(f"{rng.randrange(10 ** 9, 10 ** 10)}.{BASE_TS}".encode()).rstrip("=")
            q = [("_gl", f"1*{rand_str(rng, 6, string.ascii_lowercase + string.digits)}*_ga*"
                         f"{ga}*_ga_{rand_str(rng, 10, string.ascii_uppercase + string.digits)}*"
                         f"{b64(f'{BASE_TS}.1.1.{BASE_TS + 60}.0.0.0'.encode()).rstrip('=')}")]
        return target + "?" + "&".join(f"{k}={quote(val, safe='*|')}" for k, val in q), "query"
    if r < 0.8:
        slug, tag = rng.choice(shop.BLOG)
        target = f"/blog/{slug}"
        if rng.random() < 0.5:
            target += "?" + urlencode({"utm_source": rng.choice(["newsletter", "facebook"]),
                                       "utm_medium": rng.choice(["email", "social"]),
                                       "utm_campaign": f"{tag}_2024"})
        return target, "none"
    return rng.choice(["/cart", "/account", "/account/orders", "/account/addresses",
                       "/help/shipping", "/help/returns", "/about", "/stores", "/gift-cards",
                       "/checkout", "/checkout/payment",
                       f"/account/orders/{rng.randrange(10400, 10700)}"]), "none"


def forum_page(rng):
    r = rng.random()
    if r < 0.1:
        return rng.choice(["/", "/latest", "/top?period=weekly", "/categories", "/new"]), "none"
    if r < 0.6:
        t = forum_topic(rng)
        target = f"/t/{t['slug']}/{t['id']}"
        if rng.random() < 0.4:
            target += f"/{rng.randrange(2, 30)}"
        return target, "path"
    if r < 0.7:
        t = forum_topic(rng)
        return f"/c/{t['category']}/{t['category_id']}", "none"
    if r < 0.85:
        q = rng.choice(FORUM_SEARCHES)
        return "/search?q=" + browser_query_component(q), "query"
    if r < 0.93:
        return f"/u/{rng.choice(FORUM_USERS)}/summary", "none"
    return "/tag/" + rng.choice(["postgresql", "docker", "nginx", "python", "react", "bash"]), \
        "none"


def app_page(rng, v):
    pid = rng.choice(PROJECTS)[0]
    r = rng.random()
    if r < 0.1:
        return "/", "none"
    if r < 0.35:
        return f"/projects/{pid}/board", "none"
    if r < 0.45:
        return (f"/projects/{pid}/list?view=table&groupBy={rng.choice(['assignee', 'status'])}"
                f"&sort=-updatedAt"), "none"
    if r < 0.7:
        return f"/tasks/{task_key(rng)}", "none"
    if r < 0.8:
        q = rng.choice(TASK_TITLES + PEOPLE[v["person"]["locale"]]["searches"])
        return "/search?q=" + browser_query_component(q), "query"
    return rng.choice(["/inbox", "/settings/profile", "/settings/notifications", "/my-tasks",
                       "/reports/velocity?from=2024-05-01&to=2024-05-31"]), "none"


def site_page(rng, v, site):
    if site == SHOP:
        return shop_page(rng, v)
    if site == FORUM:
        return forum_page(rng)
    return app_page(rng, v)


def referer_on(rng, v, site):
    return origin(site) + site_page(rng, v, site)[0]


def site_cookies(v, site):
    return {SHOP: v["shop"]["cookies"], FORUM: v["forum"]["cookies"],
            APP: v["app"]["cookies"]}.get(site)


def make_req(method, target, headers, body=None, binary=False):
    req = {"method": method, "target": target, "headers": [[k, val] for k, val in headers]}
    if body is None:
        return req
    if isinstance(body, bytes):
        try:
            text = None if binary else body.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        if text is None:  # binary (images, protobuf): base64 in the corpus, bytes on the wire
            req["body_base64"] = b64(body)
            return req
        body = text
    req["body"] = body
    return req


# ----------------------------------------------------------------------------------------------
# Request generators. Each takes (rng, seed, n) and returns (client key, placement, request).


def gen_page(rng, seed, n):
    key, v = pick_visitor(rng, seed, n)
    site = weighted(rng, [(SHOP, 55), (FORUM, 30), (APP, 15)])
    target, placement = site_page(rng, v, site)
    how = weighted(rng, [("link", 70), ("typed", 12), ("external", 18)])
    if "clid=" in target or "_gl=" in target or "utm_" in target:
        how = "external"
    if how == "link":
        fetch_site, ref, user = "same-origin", referer_on(rng, v, site), rng.random() < 0.9
    elif how == "typed":
        fetch_site, ref, user = "none", None, True
    else:
        fetch_site, ref, user = "cross-site", rng.choice(EXTERNAL_REFERERS), True
    h = browser_headers(v, site, mode="navigate", dest="document", accept=accept_page(v),
                        site=fetch_site, referer=ref, cookies=site_cookies(v, site),
                        reload=how == "link" and rng.random() < 0.12, user=user)
    return key, placement, make_req("GET", target, h)


def shop_asset(rng, v):
    name = rng.choice(["main", "vendor", "app", "checkout", "product", "search"])
    hx = rand_hex(rng, 8)
    r = rng.random()
    if r < 0.25:
        return SHOP, f"/static/js/{name}.{hx}.js", "*/*", "script", "no-cors", "none"
    if r < 0.4:
        return SHOP, f"/static/css/{name}.{hx}.css", "text/css,*/*;q=0.1", "style", "no-cors", \
            "none"
    if r < 0.6:
        ext = rng.choice(["webp", "jpg", "avif"])
        return SHOP, (f"/media/products/{rng.choice(shop.PRODUCTS)}-{rng.randrange(1, 6)}-"
                      f"{rng.choice([320, 640, 1280])}w.{ext}"), accept_image(v), "image", \
            "no-cors", "none"
    if r < 0.8:
        target = (f"/i/{rng.choice(shop.PRODUCTS)}/{rand_hex(rng, 12)}.jpg?"
                  f"w={rng.choice([320, 640, 960])}&q=75&fm=webp&fit=crop&auto=format")
        return SHOP_CDN, target, accept_image(v), "image", "no-cors", "none"
    if r < 0.88:
        return SHOP_CDN, f"/fonts/inter-{rng.choice(['regular', 'semibold'])}.{hx}.woff2", \
            "*/*", "font", "cors", "none"
    return SHOP, rng.choice(["/favicon.ico", "/apple-touch-icon.png", "/site.webmanifest",
                             "/robots.txt"]), accept_image(v), "image", "no-cors", "none"


def forum_asset(rng, v):
    hx = rand_hex(rng, 40)
    r = rng.random()
    if r < 0.25:
        name = rng.choice(["application", "vendor", "locales/en", "plugins/discourse-reactions",
                           "plugins/chat", "discourse/tests/active-plugins"])
        return f"/assets/{name}-{hx[:32]}.br.js", "*/*", "script", "no-cors", "none"
    if r < 0.4:
        theme = rng.choice(["desktop", "mobile", "desktop_theme_3", "color_definitions_dark_2_1"])
        return (f"/stylesheets/{theme}_{hx[:40]}.css?__ws=forum.devhub.example",
                "text/css,*/*;q=0.1", "style", "no-cors", "none")
    if r < 0.75:
        user = rng.choice(FORUM_USERS)
        return (f"/user_avatar/forum.devhub.example/{user}/{rng.choice([24, 48, 96, 144])}/"
                f"{rng.randrange(1000, 99999)}_2.png", accept_image(v), "image", "no-cors",
                "none")
    if r < 0.85:
        letter = rng.choice("abcdefghijklmnopqrstuvwxyz")
        color = rand_hex(rng, 6)
        return (f"/letter_avatar_proxy/v4/letter/{letter}/{color}/48.png", accept_image(v),
                "image", "no-cors", "none")
    return (f"/uploads/default/optimized/2X/{hx[0]}/{hx}_2_{rng.choice(['690x388', '517x291'])}"
            f".png", accept_image(v), "image", "no-cors", "none")


def app_asset(rng, v):
    build = "k3Xq9mPzR2vT8wLc1YbN"
    r = rng.random()
    if r < 0.35:
        name = rng.choice(["webpack", "framework", "main", "pages/_app",
                           "pages/projects/[id]/board", "pages/tasks/[key]", "1843", "7712"])
        return f"/_next/static/chunks/{quote(name)}-{rand_hex(rng, 16)}.js", "*/*", "script", \
            "no-cors", "none"
    if r < 0.5:
        return f"/_next/static/css/{rand_hex(rng, 16)}.css", "text/css,*/*;q=0.1", "style", \
            "no-cors", "none"
    if r < 0.6:
        return f"/_next/static/media/{rand_hex(rng, 16)}-s.p.woff2", "*/*", "font", "cors", "none"
    if r < 0.85:
        if rng.random() < 0.5:
            src = f"/images/onboarding/step-{rng.randrange(1, 5)}.png"
        else:
            src = f"https://cdn.tasklane.example/avatars/usr_{rand_hex(rng, 12)}.png"
        return (f"/_next/image?url={quote(src, safe='')}&w={rng.choice([64, 128, 640, 1080])}"
                f"&q=75", accept_image(v), "image", "no-cors", "query")
    if r < 0.93:
        return f"/_next/static/{build}/_buildManifest.js", "*/*", "script", "no-cors", "none"
    return rng.choice(["/favicon.ico", "/manifest.webmanifest"]), "*/*", "manifest", "cors", \
        "none"


def gen_asset(rng, seed, n):
    key, v = pick_visitor(rng, seed, n)
    site = weighted(rng, [(SHOP, 55), (FORUM, 25), (APP, 20)])
    if site == SHOP:
        host, target, accept, dest, mode, placement = shop_asset(rng, v)
    else:
        host = site
        target, accept, dest, mode, placement = (forum_asset if site == FORUM
                                                 else app_asset)(rng, v)
    page_ref = referer_on(rng, v, site)
    # A font's Referer is the stylesheet that asked for it; everything else's is the page.
    ref = page_ref
    if dest == "font" and host == SHOP_CDN:
        ref = origin(SHOP) + f"/static/css/main.{rand_hex(rng, 8)}.css"
    same_origin = host == site
    cookies = site_cookies(v, site) if same_origin and rng.random() < 0.85 else None
    origin_hdr = origin(site) if mode == "cors" else None
    h = browser_headers(v, host, mode=mode, dest=dest, accept=accept,
                        site="same-origin" if same_origin else "same-site", referer=ref,
                        origin_hdr=origin_hdr, cookies=cookies)
    return key, placement, make_req("GET", target, h)


def api_fetch_headers(v, *, content_type=None, custom=(), accept=None,
                      site=APP, late=()):
    """A fetch from the SPA to its API (another origin of the same site): Bearer token, no
    cookies, Origin."""
    custom = [("authorization", "Bearer " + v["app"]["access_token"])] + list(custom)
    return browser_headers(v, API, mode="cors", dest="empty",
                           accept=accept or "application/json, text/plain, */*",
                           site="same-site", referer=origin(site) + "/",
                           origin_hdr=origin(site), content_type=content_type, custom=custom,
                           late=late)


def gen_xhr(rng, seed, n):
    key, v = pick_visitor(rng, seed, n)
    site = weighted(rng, [(SHOP, 50), (FORUM, 25), (APP, 25)])
    p = v["person"]
    accept = "application/json, text/plain, */*"
    custom = []
    placement = "none"
    if site == SHOP:
        r = rng.random()
        if r < 0.3:
            q = {"page": str(rng.randrange(1, 10)), "limit": rng.choice(["12", "24", "48"]),
                 "category": rng.choice(shop.CATEGORIES)}
            if rng.random() < 0.5:
                q["sort"] = rng.choice(["price_asc", "price_desc", "rating", "newest"])
            target = "/api/v1/products?" + urlencode(q)
        elif r < 0.55:
            typed = local(rng, p, "searches")
            typed = typed[:max(2, rng.randrange(2, len(typed) + 1))]
            target = "/api/v1/search/suggest?q=" + browser_query_component(typed) + \
                f"&locale={p['locale']}"
            placement = "query"
        elif r < 0.7:
            target = "/api/v1/cart"
        elif r < 0.85:
            target = (f"/api/v1/products/{rng.randrange(1000, 99999)}/reviews?page="
                      f"{rng.randrange(1, 4)}&sort={rng.choice(['recent', 'helpful'])}"
                      f"&lang={p['locale'].split('-')[0]}")
        else:
            target = "/api/v1/me"
        if rng.random() < 0.5:
            custom.append(("X-Requested-With", "XMLHttpRequest"))
        if v["shop"]["framework"] == "django" and rng.random() < 0.5:
            custom.append(("X-CSRFToken", v["shop"]["csrf"]))
        h = browser_headers(v, SHOP, mode="cors", dest="empty", accept=accept,
                            site="same-origin", referer=referer_on(rng, v, SHOP),
                            custom=custom, cookies=v["shop"]["cookies"])
        return key, placement, make_req("GET", target, h)
    if site == FORUM:
        t = forum_topic(rng)
        r = rng.random()
        if r < 0.3:
            target = (f"/latest.json?order={rng.choice(['activity', 'created'])}"
                      f"&page={rng.randrange(1, 6)}")
        elif r < 0.6:
            target = f"/t/{t['id']}.json?track_visit=true&forceLoad=true"
        elif r < 0.8:
            term = rng.choice(FORUM_SEARCHES)
            target = (f"/search/query?term={browser_query_component(term)}&include_blurbs=true"
                      f"&search_context%5Btype%5D=category&search_context%5Bid%5D="
                      f"{t['category_id']}")
            placement = "query"
        elif r < 0.9:
            target = f"/u/{rng.choice(FORUM_USERS)}/card.json"
        else:
            target = f"/notifications?recent=true&limit=5&bump_last_seen_reviewable=true"
        custom = [("X-CSRF-Token", v["forum"]["csrf"]),
                  ("Discourse-Present", "true"), ("X-Requested-With", "XMLHttpRequest")]
        if v["forum"]["logged_in"]:
            custom.append(("Discourse-Logged-In", "true"))
        h = browser_headers(v, FORUM, mode="cors", dest="empty",
                            accept="application/json, text/javascript, */*; q=0.01",
                            site="same-origin", referer=origin(FORUM) + f"/t/{t['slug']}/{t['id']}",
                            custom=custom, cookies=v["forum"]["cookies"])
        return key, placement, make_req("GET", target, h)
    pid = rng.choice(PROJECTS)[0]
    r = rng.random()
    if r < 0.35:
        target = (f"/v1/projects/{pid}/tasks?filter%5Bstatus%5D="
                  f"{rng.choice(['open', 'in_progress'])}&sort=-updated_at&page%5Bsize%5D=50")
    elif r < 0.55:
        target = f"/v1/tasks/{task_key(rng)}?expand=comments,attachments"
    elif r < 0.7:
        target = "/v1/me/notifications?unread=true"
    elif r < 0.85:
        q = rng.choice(TASK_TITLES)
        target = f"/v1/search?q={browser_query_component(q)}&types=task,project&limit=8"
        placement = "query"
    else:
        target = f"/v1/projects/{pid}/members"
    custom = [("x-request-id", rand_uuid(rng))] if rng.random() < 0.5 else []
    h = api_fetch_headers(v, custom=custom)
    return key, placement if placement != "none" else "header", make_req("GET", target, h)


def etag(rng):
    r = rng.random()
    if r < 0.35:  # Express / Node: size and a base64 hash, weak
        return f'W/"{rng.randrange(300, 90000):x}-{b64url(rng.randbytes(20))[:27]}"'
    if r < 0.7:  # nginx: mtime and size
        return f'"{BASE_TS - rng.randrange(0, 10 ** 7):x}-{rng.randrange(300, 900000):x}"'
    return '"' + rand_hex(rng, 32) + '"'  # S3 / CDN: MD5


def last_modified(rng):
    return fmt_http_date(BASE_TS - rng.randrange(3600, 200 * 86400))


FEED_READERS = [
    "Feedly/1.0 (+http://www.feedly.com/fetcher.html; 12 subscribers; )",
    "NetNewsWire (RSS Reader; https://netnewswire.com/)",
    "FreshRSS/1.24.0 (Linux; https://freshrss.org)",
    "Miniflux/2.1.3 (https://miniflux.app)",
    "Tiny Tiny RSS/24.05-4e5f3c1 (https://tt-rss.org/)",
    "Mozilla/5.0 (compatible; Inoreader/1.0; +http://www.inoreader.com/feed-fetcher; 3 "
    "subscribers)",
]
FEED_ACCEPT = ("application/rss+xml, application/rdf+xml;q=0.8, application/atom+xml;q=0.6, "
               "application/xml;q=0.4, text/xml;q=0.4")


def gen_conditional(rng, seed, n):
    r = rng.random()
    if r < 0.15:  # a feed reader polling a feed
        i = rng.randrange(18)
        key = f"{seed}:feedreader:{i}"
        ua = FEED_READERS[i % len(FEED_READERS)]
        t = forum_topic(rng)
        host, target = rng.choice([
            (FORUM, "/latest.rss"), (FORUM, f"/c/{t['category']}/{t['category_id']}.rss"),
            (FORUM, f"/t/{t['slug']}/{t['id']}.rss"), (SHOP, "/blog/feed.xml"),
            (SHOP, "/blog/feed.atom")])
        h = [("Host", host), ("User-Agent", ua), ("Accept", FEED_ACCEPT),
             ("Accept-Encoding", "gzip, deflate"), ("If-None-Match", etag(rng)),
             ("If-Modified-Since", last_modified(rng)), ("Connection", "keep-alive")]
        return key, "none", make_req("GET", target, h)
    if r < 0.25:  # a mobile app's HTTP cache revalidating
        key, inst = pick_install(rng, seed, n)
        target = (rng.choice(["/v2/home?locale=" + inst["person"]["locale"],
                              f"/v2/products/{rng.randrange(1000, 99999)}", "/v2/categories"])
                  if inst["host"] == SHOP_MAPI else
                  rng.choice(["/v1/me", "/v1/projects", f"/v1/projects/{PROJECTS[0][0]}/tasks"]))
        custom = [("If-None-Match", etag(rng))]
        if inst["stack"] == "okhttp":
            custom.append(("If-Modified-Since", last_modified(rng)))
        h = app_headers(inst, custom=custom)
        return key, "header", make_req("GET", target, h)
    key, v = pick_visitor(rng, seed, n)
    late = [("If-None-Match", etag(rng))]
    if rng.random() < 0.6:
        late.append(("If-Modified-Since", last_modified(rng)))
    if r < 0.55:  # an expired asset
        site = weighted(rng, [(SHOP, 55), (FORUM, 25), (APP, 20)])
        if site == SHOP:
            host, target, accept, dest, mode, placement = shop_asset(rng, v)
        else:
            host = site
            target, accept, dest, mode, placement = (forum_asset if site == FORUM
                                                     else app_asset)(rng, v)
        same = host == site
        h = browser_headers(v, host, mode=mode, dest=dest, accept=accept,
                            site="same-origin" if same else "same-site",
                            referer=referer_on(rng, v, site),
                            origin_hdr=origin(site) if mode == "cors" else None,
                            cookies=site_cookies(v, site) if same else None, late=late)
        return key, placement, make_req("GET", target, h)
    if r < 0.75:  # a reload of a page
        site = weighted(rng, [(SHOP, 55), (FORUM, 35), (APP, 10)])
        target, placement = site_page(rng, v, site)
        h = browser_headers(v, site, mode="navigate", dest="document", accept=accept_page(v),
                            site="same-origin", referer=referer_on(rng, v, site),
                            cookies=site_cookies(v, site), reload=True, user=False, late=late)
        return key, placement, make_req("GET", target, h)
    # An API poll the browser's cache revalidates.
    if rng.random() < 0.5:
        target = rng.choice(["/api/v1/cart", "/api/v1/me", "/api/v1/stock?sku=SKU-"
                             f"{rng.randrange(10000, 99999)}&store={rng.randrange(1, 40)}"])
        h = browser_headers(v, SHOP, mode="cors", dest="empty",
                            accept="application/json, text/plain, */*", site="same-origin",
                            referer=referer_on(rng, v, SHOP), cookies=v["shop"]["cookies"],
                            late=late)
        return key, "none", make_req("GET", target, h)
    target = rng.choice(["/v1/me/notifications?unread=true", "/v1/me",
                         f"/v1/projects/{rng.choice(PROJECTS)[0]}/activity?limit=20"])
    return key, "header", make_req("GET", target, api_fetch_headers(v, late=late))


def gen_range(rng, seed, n):
    r = rng.random()
    product = rng.choice(shop.PRODUCTS)
    if r < 0.2:  # a download resumed by curl or wget
        i = rng.randrange(16)
        key = f"{seed}:downloader:{i}"
        t = forum_topic(rng)
        host, target = rng.choice([
            (SHOP, f"/downloads/manuals/{product}-manual.pdf"),
            (SHOP, "/downloads/catalog-2024-de.pdf"),
            (FORUM, f"/uploads/default/original/2X/{rand_hex(rng, 1)}/{rand_hex(rng, 40)}.gz"),
            (FORUM, f"/t/{t['slug']}/{t['id']}/attachments/pg-demo-dataset.sql.gz")])
        start = rng.randrange(1, 200) * 65536
        if i % 2 == 0:
            h = [("Host", host), ("Range", f"bytes={start}-"),
                 ("User-Agent", rng.choice(["curl/8.5.0", "curl/7.88.1", "curl/8.7.1"])),
                 ("Accept", "*/*")]
        else:
            h = [("Range", f"bytes={start}-"), ("User-Agent", "Wget/1.21.4"), ("Accept", "*/*"),
                 ("Accept-Encoding", "identity"), ("Host", host),
                 ("Connection", "Keep-Alive")]
        return key, "none", make_req("GET", target, h)
    if r < 0.3:  # reading a zip's central directory remotely (the suffix range)
        key = f"{seed}:script:remotezip:{rng.randrange(4)}"
        h = [("Host", FORUM), ("User-Agent", "python-requests/2.31.0"),
             ("Accept-Encoding", "gzip, deflate"), ("Accept", "*/*"),
             ("Connection", "keep-alive"), ("Range", f"bytes=-{rng.choice([22, 65536, 131072])}")]
        return key, "none", make_req("GET", f"/uploads/default/original/3X/{rand_hex(rng, 1)}/"
                                            f"{rand_hex(rng, 40)}.zip", h)
    key, v = pick_visitor(rng, seed, n)
    kind = v["browser"]["kind"]
    if r < 0.75:  # product video
        target = f"/media/videos/{product}-{rng.choice(['360p', '720p', '1080p'])}.mp4"
        if kind == "safari":
            rng_hdr = rng.choice(["bytes=0-1", f"bytes=0-{rng.randrange(1, 9) * 1048576 - 1}",
                                  f"bytes={rng.randrange(1, 30) * 65536}-"])
            h = browser_headers(v, SHOP, mode="no-cors", dest="video", accept="*/*",
                                site="same-origin", referer=referer_on(rng, v, SHOP),
                                custom=[("X-Playback-Session-Id", rand_uuid(rng).upper())],
                                cookies=v["shop"]["cookies"], encoding="identity",
                                late=[("Range", rng_hdr)])
        else:
            accept = ("video/webm,video/ogg,video/*;q=0.9,application/ogg;q=0.7,audio/*;q=0.6,"
                      "*/*;q=0.5" if kind == "firefox" else "*/*")
            rng_hdr = rng.choice(["bytes=0-", f"bytes={rng.randrange(1, 300) * 32768}-"])
            h = browser_headers(v, SHOP, mode="no-cors", dest="video", accept=accept,
                                site="same-origin", referer=referer_on(rng, v, SHOP),
                                cookies=v["shop"]["cookies"],
                                encoding="identity;q=1, *;q=0" if kind != "firefox"
                                else "identity", late=[("Range", rng_hdr)])
        return key, "none", make_req("GET", target, h)
    # The browser's PDF viewer reading a manual in chunks.
    start = rng.randrange(0, 40) * 65536
    late = [("Range", f"bytes={start}-{start + 65535}")]
    if rng.random() < 0.5:
        late.append(("If-Range", etag(rng).replace("W/", "")))
    h = browser_headers(v, SHOP, mode="no-cors", dest="empty", accept="*/*", site="same-origin",
                        referer=origin(SHOP) + f"/downloads/manuals/{product}-manual.pdf",
                        cookies=v["shop"]["cookies"], late=late)
    return key, "none", make_req("GET", f"/downloads/manuals/{product}-manual.pdf", h)


def presigned(rng, path):
    cred = (f"AKIA{rand_str(rng, 16, string.ascii_uppercase + string.digits)}/20240603/"
            "eu-central-1/s3/aws4_request")
    day = rng.randrange(1, 29)
    q = [("X-Amz-Algorithm", "AWS4-HMAC-SHA256"), ("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD"),
         ("X-Amz-Credential", cred),
         ("X-Amz-Date", f"202406{day:02d}T{rng.randrange(24):02d}{rng.randrange(60):02d}00Z"),
         ("X-Amz-Expires", "900"), ("X-Amz-Signature", rand_hex(rng, 64)),
         ("X-Amz-SignedHeaders", "host"), ("x-id", "PutObject")]
    return path + "?" + "&".join(f"{k}={quote(val, safe='')}" for k, val in q)


UPLOADS = "uploads.tasklane.example"


def preflight_headers(v, host, method, request_headers, page):
    b = v["browser"]
    o = origin(APP)
    if b["kind"] in ("chrome", "edge"):
        h = [("Host", host), ("Connection", "keep-alive"), ("Accept", "*/*"),
             ("Access-Control-Request-Method", method)]
        if request_headers:
            h.append(("Access-Control-Request-Headers", request_headers))
        return h + [("Origin", o), ("User-Agent", b["ua"]), ("Sec-Fetch-Mode", "cors"),
                    ("Sec-Fetch-Site", "same-site"), ("Sec-Fetch-Dest", "empty"),
                    ("Referer", o + page), ("Accept-Encoding", b["encoding"]),
                    ("Accept-Language", b["lang"])]
    if b["kind"] == "firefox":
        h = [("Host", host), ("User-Agent", b["ua"]), ("Accept", "*/*"),
             ("Accept-Language", b["lang"]), ("Accept-Encoding", b["encoding"]),
             ("Access-Control-Request-Method", method)]
        if request_headers:
            h.append(("Access-Control-Request-Headers", request_headers))
        return h + [("Referer", o + "/"), ("Origin", o), ("Connection", "keep-alive"),
                    ("Sec-Fetch-Dest", "empty"), ("Sec-Fetch-Mode", "cors"),
                    ("Sec-Fetch-Site", "same-site"), ("Priority", "u=4")]
    h = [("Host", host), ("Accept", "*/*")]
    if request_headers:
        h.append(("Access-Control-Request-Headers", request_headers))
    return h + [("Access-Control-Request-Method", method), ("Origin", o),
                ("Sec-Fetch-Site", "same-site"), ("Sec-Fetch-Dest", "empty"),
                ("Accept-Language", b["lang"]), ("Sec-Fetch-Mode", "cors"),
                ("User-Agent", b["ua"]), ("Referer", o + "/"),
                ("Accept-Encoding", b["encoding"]), ("Connection", "keep-alive")]


def gen_preflight(rng, seed, n):
    key, v = pick_visitor(rng, seed, n)
    page = app_page(rng, v)[0]
    r = rng.random()
    if r < 0.12:
        path = presigned(rng, f"/avatars/{v['app']['user']}/{rand_hex(rng, 16)}.png")
        return key, "query", make_req("OPTIONS", path, preflight_headers(
            v, UPLOADS, "PUT", "content-type", page))
    choices = [
        ("POST", "/graphql", "apollographql-client-name,apollographql-client-version,"
                             "authorization,content-type", 35),
        ("POST", "/graphql", "authorization,content-type", 10),
        ("POST", "/tasklane.sync.v1.SyncService/Pull", "authorization,content-type,x-grpc-web,"
                                                       "x-user-agent", 8),
        ("GET", f"/v1/projects/{rng.choice(PROJECTS)[0]}/tasks?filter%5Bstatus%5D=open",
         "authorization", 15),
        ("GET", "/v1/me/notifications?unread=true", "authorization,x-request-id", 5),
        ("PATCH", f"/v1/tasks/{task_key(rng)}", "authorization,content-type", 12),
        ("DELETE", f"/v1/tasks/{task_key(rng)}/labels/{rng.choice(['bug', 'needs-review'])}",
         "authorization", 6),
        ("PUT", f"/v1/tasks/{task_key(rng)}/position", "authorization,content-type", 4),
        ("POST", f"/v1/tasks/{task_key(rng)}/comments", "authorization,content-type", 5),
    ]
    method, path, acrh, _ = rng.choices(choices, weights=[c[3] for c in choices])[0]
    return key, "none", make_req("OPTIONS", path, preflight_headers(v, API, method, acrh, page))


# ----------------------------------------------------------------------------------------------
# Browser JSON and form posts.

GIFT_MESSAGES = ["Happy birthday, Mom! ❤️ Love, Sam & Alex",
                 "Alles Gute zum Geburtstag, Oma! Dein Jürgen",
                 "Joyeux anniversaire ! Bises, Hélène",
                 "С днём рождения! 🎉", "お誕生日おめでとう！", "生日快乐！🎂",
                 "To the best dad \u2014 \"World's okayest golfer\" \U0001F3CC\uFE0F",
                 "Congrats on the new job!!! Drinks on me <3"]
ORDER_NOTES = ["Please leave at the back door; the dog is friendly 🐕",
               "Bitte beim Nachbarn (Müller, 2. OG) abgeben, falls ich nicht da bin.",
               "Sonner 2 fois s'il vous plaît, l'interphone ne marche pas.",
               "Gate code: #4521*", "No llamar antes de las 10:00, gracias.",
               "Deliver to reception, Building C / 3rd floor"]
PRODUCT_QUESTIONS = ['Does the 55" stand fit a \'Samsung Q80\'?',
                     "Is this dishwasher-safe & BPA-free?",
                     "Passt der Deckel auch auf die 28-cm-Pfanne?",
                     "¿Viene con cargador o hay que comprarlo aparte?",
                     "Is the size chart in EU or US sizes? I'm 6'2\" / 188 cm.",
                     "Can I use it with 110 V (US) and 230 V (EU)?",
                     "この商品は海外発送できますか？"]


def shop_json(rng, v):
    p = v["person"]
    r = rng.random()
    if r < 0.22:
        return "/api/v1/cart/items", {
            "productId": f"SKU-{rng.randrange(10000, 99999)}", "quantity": rng.randrange(1, 4),
            "options": {"size": rng.choice(["S", "M", "L", "XL", "42", "43"]),
                        "color": rng.choice(["navy", "black", "olive", "red"])}}, "none"
    if r < 0.4:
        return f"/api/v1/products/{rng.randrange(1000, 99999)}/reviews", {
            "rating": rng.randrange(2, 6), "title": review_title(rng, p),
            "text": local(rng, p, "reviews") + " " + local(rng, p, "reviews", 0.0),
            "nickname": p["first"], "recommend": rng.random() < 0.8,
            "locale": p["locale"]}, "json"
    if r < 0.52:
        a = p["address"]
        return "/api/v1/me/addresses", {
            "firstName": p["first"], "lastName": p["last"], "line1": a["line1"],
            "line2": rng.choice(["", "c/o " + p["last"], "Hinterhaus", "Apt. 5"]),
            "city": a["city"], "region": a["region"], "postalCode": a["postcode"],
            "country": a["country"], "phone": p["phone"], "isDefault": True}, "json"
    if r < 0.6:
        return "/api/v1/cart/gift", {"giftWrap": True, "message": rng.choice(GIFT_MESSAGES),
                                     "hidePrices": True}, "json"
    if r < 0.66:
        return "/api/v1/checkout/notes", {"note": rng.choice(ORDER_NOTES)}, "json"
    if r < 0.72:
        return f"/api/v1/products/{rng.randrange(1000, 99999)}/questions", {
            "question": rng.choice(PRODUCT_QUESTIONS), "email": p["email"],
            "notify": True}, "json"
    if r < 0.8:
        return "/api/v1/auth/login", {"email": p["email"], "password": password(rng),
                                      "remember": rng.random() < 0.5}, "json"
    if r < 0.9:
        return "/api/v1/search", {"query": local(rng, p, "searches"),
                                  "filters": {"category": rng.choice(shop.CATEGORIES),
                                              "inStock": True, "priceMax": rng.choice(
                                                  [None, 50, 100])},
                                  "page": rng.randrange(1, 4), "pageSize": 24}, "json"
    fingerprint = compact({"sw": rng.choice([390, 1440, 1920]), "sh": rng.choice([844, 900, 1080]),
                           "tz": rng.choice([-120, 0, 240, -540]), "lang": p["locale"],
                           "ua": v["browser"]["ua"][:60], "cd": 24, "jv": False})
    return "/api/v1/checkout/pay", {
        "paymentMethodId": "pm_" + rand_str(rng, 24), "billingSameAsShipping": True,
        "acceptTerms": True, "deviceData": b64(fingerprint.encode()),
        "returnUrl": f"https://{SHOP}/checkout/complete?order={rng.randrange(10400, 10700)}"}, \
        "json"


def gen_json(rng, seed, n):
    key, v = pick_visitor(rng, seed, n)
    p = v["person"]
    site = weighted(rng, [(SHOP, 50), (FORUM, 15), (APP, 35)])
    ctype = rng.choice(["application/json", "application/json;charset=UTF-8",
                        "application/json; charset=utf-8", "application/json;charset=utf-8"])
    if site == SHOP:
        path, obj, placement = shop_json(rng, v)
        custom = []
        if v["shop"]["framework"] == "django":
            custom.append(("X-CSRFToken", v["shop"]["csrf"]))
        elif v["shop"]["framework"] == "laravel":
            custom.append(("X-XSRF-TOKEN", v["shop"]["csrf"]))
        h = browser_headers(v, SHOP, mode="cors", dest="empty",
                            accept="application/json, text/plain, */*", site="same-origin",
                            referer=referer_on(rng, v, SHOP), origin_hdr=origin(SHOP),
                            content_type=ctype, custom=custom, cookies=v["shop"]["cookies"])
        return key, placement, make_req("POST", path, h, compact(obj))
    if site == FORUM:
        t = forum_topic(rng)
        r = rng.random()
        post_id = rng.randrange(90000, 140000)
        if r < 0.4:
            path, obj = "/bookmarks.json", {"bookmarkable_id": post_id, "bookmarkable_type":
                                            "Post", "name": rng.choice(
                                                ["read later", "SQL trick", "für später",
                                                 "rm -rf guard", ""]),
                                            "reminder_at": None, "auto_delete_preference": 3}
        elif r < 0.7:
            path, obj = "/post_actions.json", {"id": post_id, "post_action_type_id": 8,
                                              "message": rng.choice(
                                                  ["This is spam for a drop shipping site.",
                                                   "Off-topic, belongs in #devops",
                                                   "Contains a leaked API key in the code "
                                                   "block, please hide."]),
                                              "flag_topic": False}
        else:
            path, obj = f"/polls/vote", {"post_id": post_id, "poll_name": "poll",
                                         "options": [rand_hex(rng, 32)]}
        h = browser_headers(v, FORUM, mode="cors", dest="empty",
                            accept="application/json, text/javascript, */*; q=0.01",
                            site="same-origin", referer=origin(FORUM) + f"/t/{t['slug']}/{t['id']}",
                            origin_hdr=origin(FORUM), content_type=ctype,
                            custom=[("X-CSRF-Token", v["forum"]["csrf"]),
                                    ("X-Requested-With", "XMLHttpRequest")],
                            cookies=v["forum"]["cookies"])
        return key, "json", make_req("POST", path, h, compact(obj))
    r = rng.random()
    key_ = task_key(rng)
    if r < 0.35:
        path, obj = f"/v1/tasks/{key_}/comments", {
            "body": rng.choice(TASK_COMMENTS + FORUM_REPLIES),
            "mentions": rng.sample(FORUM_USERS, rng.randrange(0, 2))}
    elif r < 0.6:
        path, obj = "/v1/tasks", {
            "projectId": rng.choice(PROJECTS)[0], "title": rng.choice(TASK_TITLES),
            "description": rng.choice(TASK_DESCRIPTIONS),
            "dueDate": f"2024-07-{rng.randrange(1, 31):02d}",
            "labels": rng.sample(["bug", "frontend", "backend", "needs-review", "i18n"], 2),
            "assigneeId": v["app"]["user"]}
    elif r < 0.72:
        path, obj = "/v1/feedback", {"message": rng.choice(
            ["Love the new board view! Could we get a \"select all\" in bulk edit?",
             "Die Suche findet keine Aufgaben mit Umlauten (ä/ö/ü).",
             "Export CSV puts ; instead of , \u2014 is that a locale thing?",
             "Dark mode pls 🙏", "検索が遅いです。", "搜索结果排序不对"]),
            "rating": rng.randrange(2, 6), "page": app_page(rng, v)[0]}
    elif r < 0.85:
        path, obj = "/v1/me/avatar", {"dataUrl": "data:image/png;base64," + b64(identicon_png(rng)),
                                      "crop": {"x": 0, "y": 0, "size": 1}}
    else:
        path, obj = "/v1/saved-filters", {"name": rng.choice(["My open bugs", "Diese Woche",
                                                              "À relire"]),
                                          "query": rng.choice(['status:open assignee:me '
                                                               'label:"needs review"',
                                                               "due:<2024-07-01 -label:wontfix",
                                                               'title:"select all" OR '
                                                               'title:"drop"'])}
    h = api_fetch_headers(v, content_type=ctype)
    return key, "json", make_req("POST", path, h, compact(obj))


def csrf_field(rng, v):
    fw = v["shop"]["framework"]
    if fw == "django":
        return [("csrfmiddlewaretoken", v["shop"]["csrf"])]
    if fw == "rails":
        return [("authenticity_token", b64(rng.randbytes(64)))]
    if fw == "laravel":
        return [("_token", rand_str(rng, 40))]
    if fw in ("php", "java"):
        return [("csrf_token", rand_hex(rng, 40))]
    return []


def shop_form(rng, v):
    p = v["person"]
    a = p["address"]
    r = rng.random()
    if r < 0.25:
        return "/account/login", csrf_field(rng, v) + [
            ("username", p["email"]), ("password", password(rng)),
            ("next", rng.choice(["/account/orders", "/checkout", "/"]))], "form"
    if r < 0.4:
        return "/newsletter/subscribe", [("email", p["email"]), ("first_name", p["first"]),
                                         ("source", rng.choice(["footer", "popup", "checkout"])),
                                         ("consent", "on")], "form"
    if r < 0.6:
        return "/contact", csrf_field(rng, v) + [
            ("name", f"{p['first']} {p['last']}"), ("email", p["email"]),
            ("order", rng.choice(["", f"#{rng.randrange(10400, 10700)}"])),
            ("subject", rng.choice(["Order question", "Shipping", "Returns", "Other"])),
            ("message", local(rng, p, "messages"))], "form"
    if r < 0.82:
        return "/checkout/address", csrf_field(rng, v) + [
            ("first_name", p["first"]), ("last_name", p["last"]), ("address1", a["line1"]),
            ("address2", ""), ("city", a["city"]), ("region", a["region"]),
            ("postcode", a["postcode"]), ("country", a["country"]), ("phone", p["phone"]),
            ("email", p["email"]), ("save_address", "on"),
            ("delivery_note", rng.choice([""] + ORDER_NOTES))], "form"
    if r < 0.9:
        return "/cart/coupon", csrf_field(rng, v) + [
            ("code", rng.choice(["SUMMER-24", "WELCOME10", "FREESHIP", "BLACK_FRIDAY",
                                 "STUDENT%15"]))], "form"
    return "/account/password", csrf_field(rng, v) + [
        ("old_password", password(rng)), ("new_password1", password(rng))] + [
        ("new_password2", "")], "form"


def gen_form(rng, seed, n):
    key, v = pick_visitor(rng, seed, n)
    p = v["person"]
    site = weighted(rng, [(SHOP, 50), (FORUM, 35), (AUTH, 15)])
    if site == SHOP:
        path, fields, placement = shop_form(rng, v)
        if fields[-1][0] == "new_password2":
            fields[-1] = ("new_password2", fields[-2][1])
        if rng.random() < 0.25 and path in ("/newsletter/subscribe", "/cart/coupon"):
            # The popup's jQuery $.post: same body, charset parameter, XHR headers.
            h = browser_headers(v, SHOP, mode="cors", dest="empty",
                                accept="*/*", site="same-origin", referer=referer_on(rng, v, SHOP),
                                origin_hdr=origin(SHOP),
                                content_type="application/x-www-form-urlencoded; charset=UTF-8",
                                custom=[("X-Requested-With", "XMLHttpRequest")],
                                cookies=v["shop"]["cookies"])
        else:
            h = browser_headers(v, SHOP, mode="navigate", dest="document", accept=accept_page(v),
                                site="same-origin", referer=origin(SHOP) + path,
                                origin_hdr=origin(SHOP),
                                content_type="application/x-www-form-urlencoded",
                                cookies=v["shop"]["cookies"], reload=True)
        return key, placement, make_req("POST", path, h, form_urlencode(fields))
    if site == AUTH:
        state = b64url(rng.randbytes(rng.choice([45, 60])))
        fields = [("state", state), ("username", p["email"]), ("password", password(rng)),
                  ("action", "default")]
        h = browser_headers(v, AUTH, mode="navigate", dest="document", accept=accept_page(v),
                            site="same-origin", referer=origin(AUTH) + "/u/login?state=" + state,
                            origin_hdr=origin(AUTH),
                            content_type="application/x-www-form-urlencoded",
                            cookies=[("did", "s%3Av0%3A" + rand_uuid(rng) + "." + b64url(
                                rng.randbytes(32))), ("auth0", "s%3A" + b64url(rng.randbytes(24))
                                                      + "." + b64url(rng.randbytes(32)))],
                            reload=True)
        return key, "form", make_req("POST", "/u/login?state=" + state, h, form_urlencode(fields))
    t = forum_topic(rng)
    custom = [("X-CSRF-Token", v["forum"]["csrf"]), ("Discourse-Present", "true"),
              ("X-Requested-With", "XMLHttpRequest")]
    if v["forum"]["logged_in"]:
        custom.append(("Discourse-Logged-In", "true"))
    r = rng.random()
    if r < 0.45:
        raw = rng.choice(FORUM_REPLIES + FORUM_POSTS)
        fields = [("raw", raw), ("unlist_topic", "false"), ("category", str(t["category_id"])),
                  ("topic_id", str(t["id"])), ("is_warning", "false"), ("whisper", "false"),
                  ("archetype", "regular"),
                  ("typing_duration_msecs", str(rng.randrange(1500, 90000))),
                  ("composer_open_duration_msecs", str(rng.randrange(5000, 400000))),
                  ("featured_link", ""), ("shared_draft", "false"),
                  ("draft_key", f"topic_{t['id']}"), ("nested_post", "true")]
        if rng.random() < 0.4:
            fields.insert(4, ("reply_to_post_number", str(rng.randrange(1, 30))))
        path, placement = "/posts", "form"
    elif r < 0.6:
        fields = [("raw", FORUM_POSTS[t["i"]]), ("title", t["title"]),
                  ("unlist_topic", "false"), ("category", str(t["category_id"])),
                  ("is_warning", "false"), ("archetype", "regular"),
                  ("typing_duration_msecs", str(rng.randrange(20000, 300000))),
                  ("composer_open_duration_msecs", str(rng.randrange(60000, 900000))),
                  ("tags[]", rng.choice(["postgresql", "bash", "docker", "javascript", "python"])),
                  ("featured_link", ""), ("shared_draft", "false"),
                  ("draft_key", "new_topic"), ("nested_post", "true")]
        path, placement = "/posts", "form"
    elif r < 0.8:
        reply = rng.choice(FORUM_REPLIES + FORUM_POSTS)
        data = compact({"reply": reply, "action": "reply", "title": None,
                        "categoryId": t["category_id"], "tags": [], "archetypeId": "regular",
                        "whisper": False, "metaData": None,
                        "composerTime": rng.randrange(2000, 200000),
                        "typingTime": rng.randrange(1000, 60000)})
        fields = [("draft_key", f"topic_{t['id']}"), ("sequence", str(rng.randrange(0, 12))),
                  ("data", data), ("force_save", "false")]
        path, placement = "/drafts.json", "form"
    else:
        uid = rng.randrange(100, 9000)
        fields = [("/__status", str(rng.randrange(1, 90))),
                  ("/latest", str(rng.randrange(500000, 600000))),
                  ("/new", str(rng.randrange(500000, 600000))),
                  (f"/notification/{uid}", str(rng.randrange(1, 2000))),
                  (f"/unread/{uid}", str(rng.randrange(1, 2000))),
                  (f"/topic/{t['id']}", str(rng.randrange(1, 300)))]
        path = f"/message-bus/{v['forum']['client_id']}/poll?dlp=t"
        placement = "form"
        custom = [("X-SILENCE-LOGGER", "true"), ("Discourse-Present", "true"),
                  ("Dont-Chunk", "true")]
    h = browser_headers(v, FORUM, mode="cors", dest="empty",
                        accept="application/json, text/javascript, */*; q=0.01",
                        site="same-origin", referer=origin(FORUM) + f"/t/{t['slug']}/{t['id']}",
                        origin_hdr=origin(FORUM),
                        content_type="application/x-www-form-urlencoded; charset=UTF-8",
                        custom=custom, cookies=v["forum"]["cookies"])
    return key, placement, make_req("POST", path, h, form_urlencode(fields))


# ----------------------------------------------------------------------------------------------
# Multipart uploads.

PHOTO_NAMES = ["IMG_{n}.JPG", "IMG_{n}.jpeg", "PXL_20240603_1015{n}.jpg", "20240603_10{n}.jpg",
               "Фото {n}.jpg", "写真 {n}.jpeg", "photo (1).jpg", "Rücksendung {n}.jpg"]
SCREENSHOT_NAMES = ["Screenshot 2024-06-03 at 10.15.{n}\u202fAM.png",
                    "Bildschirmfoto 2024-06-03 um 10.15.{n}.png", "image.png",
                    "Capture d’écran 2024-06-03 à 10.15.{n}.png",
                    "スクリーンショット 2024-06-03 10.15.{n}.png", "Screenshot_20240603-10{n}.png"]


def a_photo(rng):
    return (rng.choice(PHOTO_NAMES).format(n=rng.randrange(1000, 9999)), "image/jpeg",
            photo_jpeg(rng))


def a_screenshot(rng):
    return (rng.choice(SCREENSHOT_NAMES).format(n=rng.randrange(10, 99)), "image/png",
            screenshot_png(rng))


def an_attachment(rng, person):
    r = rng.random()
    if r < 0.35:
        return a_screenshot(rng)
    if r < 0.5:
        return a_photo(rng)
    if r < 0.65:
        return csv_file(rng, person)
    if r < 0.78:
        return (f"invoice-{rng.randrange(2024001, 2024999)}.pdf", "application/pdf",
                pdf_text([f"Invoice {rng.randrange(2024001, 2024999)}",
                          f"Customer: {person['email']}",
                          f"Total: EUR {rng.randrange(10, 900)}.{rng.randrange(100):02d}"]))
    name, ctype, text = rng.choice(TEXT_ATTACHMENTS)
    return name, ctype, text.encode("utf-8")


def gen_multipart(rng, seed, n):
    r = rng.random()
    if r < 0.12:  # mobile apps
        key, inst = pick_install(rng, seed, n)
        client = inst["stack"]
        bnd = boundary_for(rng, client)
        if inst["host"] == SHOP_MAPI:
            name, ctype, data = a_photo(rng)
            parts = [("avatar" if rng.random() < 0.5 else "photo", data, name, ctype)]
            if client == "okhttp":
                parts.append(("caption", local(rng, inst["person"], "reviews"), None,
                              None))
            path = "/v2/me/avatar" if parts[0][0] == "avatar" else \
                f"/v2/products/{rng.randrange(1000, 99999)}/reviews/photos"
        else:
            name, ctype, data = an_attachment(rng, inst["person"])
            parts = [("file", data, name, ctype), ("taskKey", task_key(rng), None, None)]
            path = "/v1/attachments"
        h = app_headers(inst, content_type=f"multipart/form-data; boundary={bnd}")
        return key, "multipart", make_req("POST", path, h, multipart(bnd, parts))
    if r < 0.2:  # scripts: python requests and curl -F
        i = rng.randrange(12)
        key = f"{seed}:script:uploader:{i}"
        if i % 2 == 0:
            name, ctype, data = csv_file(rng, make_person(rng))
            bnd = boundary_for(rng, "python")
            parts = [("mode", "upsert", None, None), ("dry_run", "false", None, None),
                     ("file", data, name, ctype)]
            h = [("Host", SHOP), ("User-Agent", "python-requests/2.31.0"),
                 ("Accept-Encoding", "gzip, deflate"), ("Accept", "*/*"),
                 ("Connection", "keep-alive"),
                 ("X-Api-Key", client_secret(key, "shpk_", 32)),
                 ("Content-Type", f"multipart/form-data; boundary={bnd}")]
            return key, "multipart", make_req("POST", "/admin/api/imports", h,
                                              multipart(bnd, parts))
        name, ctype, data = rng.choice(TEXT_ATTACHMENTS[:6])
        bnd = boundary_for(rng, "curl")
        parts = [("upload_type", "composer", None, None),
                 ("file", data.encode(), name, "text/plain")]
        h = [("Host", FORUM), ("User-Agent", "curl/8.5.0"), ("Accept", "*/*"),
             ("Api-Key", rand_hex(random.Random(key), 64)),
             ("Api-Username", FORUM_USERS[i % len(FORUM_USERS)]),
             ("Content-Type", f"multipart/form-data; boundary={bnd}")]
        return key, "multipart", make_req("POST", "/uploads.json", h, multipart(bnd, parts))
    key, v = pick_visitor(rng, seed, n)
    p = v["person"]
    bnd = boundary_for(rng, v["browser"]["kind"])
    ctype_hdr = f"multipart/form-data; boundary={bnd}"
    site = weighted(rng, [(SHOP, 45), (FORUM, 35), (APP, 20)])
    if site == SHOP:
        s = rng.random()
        if s < 0.5:
            path = f"/products/{rng.choice(shop.PRODUCTS)}-{rng.randrange(1000, 99999)}/reviews"
            parts = csrf_parts(rng, v) + [
                ("rating", str(rng.randrange(2, 6)), None, None),
                ("title", review_title(rng, p), None, None),
                ("body", local(rng, p, "reviews"), None, None),
                ("nickname", p["first"], None, None)]
            for _ in range(rng.randrange(1, 3)):
                name, ctype, data = a_photo(rng)
                parts.append(("photos[]", data, name, ctype))
        elif s < 0.8:
            path = "/account/returns"
            parts = csrf_parts(rng, v) + [
                ("order", str(rng.randrange(10400, 10700)), None, None),
                ("reason", rng.choice(["damaged", "wrong_size", "not_as_described"]), None,
                 None),
                ("comment", local(rng, p, "messages"), None, None)]
            name, ctype, data = a_photo(rng)
            parts.append(("photo", data, name, ctype))
            if rng.random() < 0.4:
                parts.append(("invoice", pdf_text([f"Invoice {rng.randrange(10400, 10700)}",
                                                   "Thank you for your order!"]),
                              "invoice.pdf", "application/pdf"))
        else:
            path = "/account/b2b/import"
            name, ctype, data = csv_file(rng, p)
            parts = csrf_parts(rng, v) + [("delimiter", ";" if name.startswith("Ums") else ",",
                                           None, None), ("has_header", "1", None, None),
                                          ("file", data, name, ctype)]
        if rng.random() < 0.5:  # a plain <form enctype="multipart/form-data">
            h = browser_headers(v, SHOP, mode="navigate", dest="document", accept=accept_page(v),
                                site="same-origin", referer=origin(SHOP) + path,
                                origin_hdr=origin(SHOP), content_type=ctype_hdr,
                                cookies=v["shop"]["cookies"], reload=True)
        else:
            h = browser_headers(v, SHOP, mode="cors", dest="empty",
                                accept="application/json, text/plain, */*", site="same-origin",
                                referer=origin(SHOP) + path, origin_hdr=origin(SHOP),
                                content_type=ctype_hdr, cookies=v["shop"]["cookies"])
        return key, "multipart", make_req("POST", path, h, multipart(bnd, parts))
    if site == FORUM:
        name, ctype, data = an_attachment(rng, p)
        parts = [("upload_type", "composer", None, None), ("relativePath", "null", None, None),
                 ("name", name, None, None), ("type", ctype, None, None),
                 ("sha1_checksum", hashlib.sha1(data).hexdigest(), None, None),
                 ("file", data, name, ctype)]
        t = forum_topic(rng)
        h = browser_headers(v, FORUM, mode="cors", dest="empty", accept="application/json",
                            site="same-origin", referer=origin(FORUM) + f"/t/{t['slug']}/{t['id']}",
                            origin_hdr=origin(FORUM), content_type=ctype_hdr,
                            custom=[("X-CSRF-Token", v["forum"]["csrf"]),
                                    ("X-Requested-With", "XMLHttpRequest")],
                            cookies=v["forum"]["cookies"])
        return key, "multipart", make_req("POST", f"/uploads.json?client_id="
                                                  f"{v['forum']['client_id']}", h,
                                          multipart(bnd, parts))
    name, ctype, data = an_attachment(rng, p)
    parts = [("file", data, name, ctype),
             ("description", rng.choice(["", "Screenshot of the bug", "Rechnung Juni",
                                         "voir pièce jointe", "logs from `make test`"]), None,
              None)]
    h = api_fetch_headers(v, content_type=ctype_hdr)
    return key, "multipart", make_req("POST", f"/v1/tasks/{task_key(rng)}/attachments", h,
                                      multipart(bnd, parts))


def csrf_parts(rng, v):
    return [(name, value, None, None) for name, value in csrf_field(rng, v)]


# ----------------------------------------------------------------------------------------------
# GraphQL: documents as Apollo Client prints them (with __typename), sent as JSON, as
# persisted-query hashes, in GET query strings, as application/graphql, in batches.

GQL_VIEWER = """query Viewer {
  viewer {
    id
    name
    email
    avatarUrl(size: 64)
    locale
    organizations(first: 5) {
      nodes {
        id
        name
        slug
        __typename
      }
      __typename
    }
    __typename
  }
}"""

GQL_BOARD = """query ProjectBoard($projectId: ID!, $first: Int = 50, $withAssignees: Boolean!) {
  project(id: $projectId) {
    id
    name
    columns {
      id
      title
      tasks(first: $first, orderBy: {field: POSITION, direction: ASC}) {
        pageInfo {
          hasNextPage
          endCursor
          __typename
        }
        nodes {
          ...TaskCard
          assignees @include(if: $withAssignees) {
            id
            name
            avatarUrl(size: 24)
            __typename
          }
          __typename
        }
        __typename
      }
      __typename
    }
    __typename
  }
}

fragment TaskCard on Task {
  id
  key
  title
  dueDate
  commentCount
  labels {
    name
    color
    __typename
  }
  __typename
}"""

GQL_SEARCH = """query SearchEverything($query: String!, $first: Int = 10) {
  search(query: $query, first: $first) {
    edges {
      node {
        ... on Task {
          id
          key
          title
          status
          __typename
        }
        ... on Project {
          id
          name
          __typename
        }
        ... on Comment {
          id
          excerpt
          task {
            key
            __typename
          }
          __typename
        }
        __typename
      }
      __typename
    }
    __typename
  }
}"""

GQL_TASK = """query TaskDetail($key: String!, $commentsFirst: Int = 20) {
  task(key: $key) {
    id
    key
    title
    description
    status
    dueDate
    comments(first: $commentsFirst) {
      nodes {
        id
        body
        createdAt
        author {
          id
          name
          __typename
        }
        __typename
      }
      __typename
    }
    __typename
  }
}"""

GQL_CREATE = """mutation CreateTask($input: CreateTaskInput!) {
  createTask(input: $input) {
    task {
      id
      key
      title
      __typename
    }
    errors {
      field
      message
      __typename
    }
    __typename
  }
}"""

GQL_COMMENT = """mutation AddComment($taskId: ID!, $body: String!) {
  addComment(taskId: $taskId, body: $body) {
    comment {
      id
      body
      createdAt
      __typename
    }
    __typename
  }
}"""

GQL_PROFILE = """mutation UpdateProfile($input: UpdateProfileInput!) {
  updateProfile(input: $input) {
    user {
      id
      name
      locale
      timezone
      bio
      __typename
    }
    __typename
  }
}"""

GQL_MOVE = """mutation MoveTask($id: ID!, $columnId: ID!, $position: Int!) {
  moveTask(id: $id, columnId: $columnId, position: $position) {
    task {
      id
      position
      column {
        id
        __typename
      }
      __typename
    }
    __typename
  }
}"""

GQL_NOTIFICATIONS = """query Notifications($after: String) {
  notifications(first: 20, after: $after) {
    pageInfo {
      endCursor
      hasNextPage
      __typename
    }
    nodes {
      id
      kind
      read
      createdAt
      actor {
        name
        __typename
      }
      __typename
    }
    __typename
  }
}"""

GQL_PRODUCTS = """query ProductSearch($q: String!, $first: Int!, $after: String, \
$filters: [ProductFilter!]) {
  products(query: $q, first: $first, after: $after, filters: $filters) {
    edges {
      cursor
      node {
        id
        handle
        title
        priceRange {
          minVariantPrice {
            amount
            currencyCode
          }
        }
        featuredImage {
          url(transform: {maxWidth: 400})
          altText
        }
      }
    }
    pageInfo {
      hasNextPage
    }
  }
}"""

GQL_INTROSPECTION = """query IntrospectionQuery {
  __schema {
    queryType { name }
    mutationType { name }
    subscriptionType { name }
    types {
      kind
      name
      description
      fields(includeDeprecated: true) {
        name
        description
        args { name type { kind name ofType { kind name } } defaultValue }
        type { kind name ofType { kind name ofType { kind name } } }
        isDeprecated
        deprecationReason
      }
      inputFields { name type { kind name ofType { kind name } } }
      enumValues(includeDeprecated: true) { name isDeprecated }
      possibleTypes { kind name }
    }
    directives { name locations args { name type { kind name } } }
  }
}"""

TIMEZONES = {"en-US": "America/New_York", "en-GB": "Europe/London", "de-DE": "Europe/Berlin",
             "fr-FR": "Europe/Paris", "es-ES": "Europe/Madrid", "ru-RU": "Europe/Moscow",
             "ja-JP": "Asia/Tokyo", "zh-CN": "Asia/Shanghai", "ar-SA": "Asia/Riyadh",
             "hi-IN": "Asia/Kolkata", "pt-BR": "America/Sao_Paulo", "nl-NL": "Europe/Amsterdam"}


def gql_operation(rng, person):
    """(operation name, document, variables, whether the variables carry free text)."""
    r = rng.random()
    if r < 0.14:
        return "Viewer", GQL_VIEWER, {}, False
    if r < 0.32:
        return "ProjectBoard", GQL_BOARD, {"projectId": rng.choice(PROJECTS)[0], "first": 50,
                                           "withAssignees": rng.random() < 0.7}, False
    if r < 0.46:
        q = rng.choice(TASK_TITLES + FORUM_SEARCHES + PEOPLE[person["locale"]]["searches"])
        return "SearchEverything", GQL_SEARCH, {"query": q, "first": 10}, True
    if r < 0.58:
        return "TaskDetail", GQL_TASK, {"key": task_key(rng), "commentsFirst": 20}, False
    if r < 0.68:
        return "CreateTask", GQL_CREATE, {"input": {
            "projectId": rng.choice(PROJECTS)[0], "title": rng.choice(TASK_TITLES),
            "description": rng.choice(TASK_DESCRIPTIONS),
            "labelIds": [f"lbl_{rand_hex(rng, 6)}"], "dueDate": None}}, True
    if r < 0.8:
        return "AddComment", GQL_COMMENT, {"taskId": f"tsk_{rand_hex(rng, 12)}",
                                           "body": rng.choice(TASK_COMMENTS + FORUM_REPLIES)}, True
    if r < 0.86:
        return "UpdateProfile", GQL_PROFILE, {"input": {
            "name": f"{person['first']} {person['last']}", "locale": person["locale"],
            "timezone": TIMEZONES[person["locale"]],
            "bio": rng.choice(["Backend dev. Likes `psql` & ☕", "Designerin aus Köln 🎨",
                               "PM @ Acme \u2014 \"ship it\"", "エンジニア", "",
                               "<3 open source"])}}, True
    if r < 0.93:
        return "MoveTask", GQL_MOVE, {"id": f"tsk_{rand_hex(rng, 12)}",
                                      "columnId": f"col_{rand_hex(rng, 8)}",
                                      "position": rng.randrange(0, 40)}, False
    after = b64(f"arrayconnection:{rng.randrange(20, 400)}".encode())
    return "Notifications", GQL_NOTIFICATIONS, {"after": rng.choice([None, after])}, False


def apq_extensions(document):
    return {"persistedQuery": {"version": 1,
                               "sha256Hash": hashlib.sha256(document.encode()).hexdigest()}}


def gen_graphql(rng, seed, n):
    r = rng.random()
    if r < 0.08:  # the apps: Flutter (Tasklane) and the shop's Apollo Kotlin / iOS clients
        key, inst = pick_install(rng, seed, n)
        if inst["host"] == API:
            name, doc, variables, text = gql_operation(rng, inst["person"])
            custom = []
        else:
            name, doc, text = "ProductSearch", GQL_PRODUCTS, True
            variables = {"q": local(rng, inst["person"], "searches"), "first": 20,
                         "after": None, "filters": []}
            custom = ([("X-APOLLO-OPERATION-NAME", name),
                       ("X-APOLLO-OPERATION-ID", hashlib.sha256(doc.encode()).hexdigest())]
                      if inst["stack"] == "okhttp" else
                      [("apollographql-client-name", "com.example.shop-apollo-ios"),
                       ("apollographql-client-version", inst["version"])])
        h = app_headers(inst, accept="application/json",
                        content_type=app_json_type(inst), custom=custom)
        body = compact({"operationName": name, "variables": variables, "query": doc})
        return key, "json" if text else "header", make_req("POST", "/graphql", h, body)
    if r < 0.16:  # scripts: python (gql + requests) and curl with application/graphql
        i = rng.randrange(10)
        key = f"{seed}:script:graphql:{i}"
        token = client_secret(key, "tlpat_")
        if i % 2 == 0:
            name, doc, variables, text = gql_operation(rng, make_person(rng))
            h = [("Host", API), ("User-Agent", "python-requests/2.31.0"),
                 ("Accept-Encoding", "gzip, deflate"), ("Accept", "*/*"),
                 ("Connection", "keep-alive"), ("Authorization", f"Bearer {token}"),
                 ("Content-Type", "application/json")]
            return key, "json" if text else "header", make_req(
                "POST", "/graphql", h, spaced({"query": doc, "variables": variables,
                                               "operationName": name}))
        term = rng.choice(TASK_TITLES + ["O'Reilly", "union station", "drop shipping"])
        esc = term.replace("\\", "\\\\").replace('"', '\\"')
        doc = ('{\n  project(id: "%s") {\n    name\n    tasks(first: 10, filter: {search: "%s"})'
               ' {\n      nodes { key title status }\n    }\n  }\n}\n'
               % (rng.choice(PROJECTS)[0], esc))
        h = [("Host", API), ("User-Agent", "curl/8.5.0"), ("Accept", "*/*"),
             ("Authorization", f"Bearer {token}"), ("Content-Type", "application/graphql")]
        return key, "body", make_req("POST", "/graphql", h, doc)
    key, v = pick_visitor(rng, seed, n)
    p = v["person"]
    apollo = [("apollographql-client-name", "tasklane-web"),
              ("apollographql-client-version", rng.choice(["2024.06.1", "2024.06.3"]))]
    accept = "application/graphql-response+json,application/json;q=0.9"
    if r < 0.24:  # the shop's storefront
        q = local(rng, p, "searches")
        variables = {"q": q, "first": 24, "after": None,
                     "filters": [{"available": True}, {"productType": rng.choice(shop.CATEGORIES)}]}
        h = browser_headers(v, SHOP, mode="cors", dest="empty", accept="application/json",
                            site="same-origin", referer=referer_on(rng, v, SHOP),
                            origin_hdr=origin(SHOP), content_type="application/json",
                            cookies=v["shop"]["cookies"])
        body = compact({"query": GQL_PRODUCTS, "operationName": "ProductSearch",
                        "variables": variables})
        return key, "json", make_req("POST", "/api/graphql", h, body)
    name, doc, variables, text = gql_operation(rng, p)
    if r < 0.6:
        body = compact({"operationName": name, "variables": variables, "query": doc})
        h = api_fetch_headers(v, content_type="application/json",
                              custom=apollo, accept=accept)
        return key, "json" if text else "header", make_req("POST", "/graphql", h, body)
    if r < 0.68:  # automatic persisted query: the hash only
        body = compact({"operationName": name, "variables": variables,
                        "extensions": apq_extensions(doc)})
        h = api_fetch_headers(v, content_type="application/json",
                              custom=apollo, accept=accept)
        return key, "json" if text else "header", make_req("POST", "/graphql", h, body)
    if r < 0.8:  # GET with the persisted-query hash (cacheable)
        target = ("/graphql?operationName=" + name + "&variables="
                  + browser_query_component(compact(variables)) + "&extensions="
                  + browser_query_component(compact(apq_extensions(doc))))
        h = api_fetch_headers(v, custom=apollo, accept=accept)
        return key, "query" if text else "header", make_req("GET", target, h)
    if r < 0.88:  # GET ?query= with the whole document
        target = "/graphql?query=" + browser_query_component(doc)
        if variables:
            target += "&variables=" + browser_query_component(compact(variables))
        target += "&operationName=" + name
        h = api_fetch_headers(v, custom=apollo, accept=accept)
        return key, "query", make_req("GET", target, h)
    if r < 0.96:  # a batch
        ops = [gql_operation(rng, p) for _ in range(rng.randrange(2, 4))]
        body = compact([{"operationName": o[0], "variables": o[2], "query": o[1]} for o in ops])
        h = api_fetch_headers(v, content_type="application/json",
                              custom=apollo + [("x-batch", "true")], accept=accept)
        return key, "json" if any(o[3] for o in ops) else "header", make_req(
            "POST", "/graphql", h, body)
    # A developer in the API explorer (GraphiQL, served by the API itself).
    body = compact({"query": GQL_INTROSPECTION, "operationName": "IntrospectionQuery"})
    h = browser_headers(v, API, mode="cors", dest="empty",
                        accept="application/json, multipart/mixed",
                        site="same-origin", referer=origin(API) + "/graphiql",
                        origin_hdr=origin(API), content_type="application/json",
                        custom=[("authorization", "Bearer " + v["app"]["access_token"])])
    return key, "json", make_req("POST", "/graphql", h, body)


# ----------------------------------------------------------------------------------------------
# Protobuf bodies: gRPC-web from the SPA, application/x-protobuf from the apps.


def pb_client_info(locale, version):
    return pb_str(1, "web") + pb_str(2, version) + pb_str(3, locale)


def gen_protobuf(rng, seed, n):
    r = rng.random()
    if r < 0.45:  # the shop's apps
        key, inst = pick_install(rng, seed, n)
        p = inst["person"]
        device = (pb_str(1, inst["device_id"]) + pb_str(2, inst["model"])
                  + pb_str(3, "android" if inst["stack"] == "okhttp" else "ios")
                  + pb_str(4, inst["version"]))
        s = rng.random()
        if s < 0.5 or inst["host"] == API:
            events = b""
            ts = (BASE_TS + rng.randrange(0, 30 * 86400)) * 1000
            for _ in range(rng.randrange(2, 7)):
                name = rng.choice(["screen_view", "search", "view_item", "add_to_cart",
                                   "app_open", "notification_open"])
                params = [("screen", rng.choice(["Home", "Search", "ProductDetail", "Cart",
                                                 "Checkout"]))]
                if name == "search":
                    params.append(("term", local(rng, p, "searches")))
                if name in ("view_item", "add_to_cart"):
                    params += [("item_id", f"SKU-{rng.randrange(10000, 99999)}"),
                               ("item_name", rng.choice(['Chef knife 8"', "Kaffeemühle",
                                                         "Trail running shoe", "Yoga mat"]))]
                ts += rng.randrange(500, 60000)
                ev = pb_str(1, name) + pb_int(2, ts)
                for k, val in params:
                    ev += pb_bytes(3, pb_str(1, k) + pb_str(2, val))
                ev += pb_str(4, params[0][1])
                events += pb_bytes(1, ev)
            body = events + pb_bytes(2, device)
            path = "/v2/events" if inst["host"] == SHOP_MAPI else "/v1/telemetry"
            placement = "body"
        elif s < 0.8:
            items = b""
            for _ in range(rng.randrange(1, 5)):
                items += pb_bytes(1, pb_str(1, f"SKU-{rng.randrange(10000, 99999)}")
                                  + pb_int(2, rng.randrange(1, 4))
                                  + pb_double(3, rng.randrange(299, 29999) / 100))
            body = items + pb_str(2, rng.choice(["EUR", "USD", "GBP", "JPY", "BRL"]))
            if rng.random() < 0.3:
                body += pb_str(3, rng.choice(["SUMMER-24", "WELCOME10"]))
            path, placement = "/v2/cart", "none"
        else:
            body = (pb_str(1, local(rng, p, "searches")) + pb_int(2, rng.randrange(1, 4))
                    + pb_str(3, p["locale"])
                    + pb_bytes(4, pb_str(1, rng.choice(shop.CATEGORIES)) + pb_int(2, 1)))
            path, placement = "/v2/search", "body"
        ctype = rng.choice(["application/x-protobuf", "application/protobuf"]) \
            if inst["stack"] == "cfnetwork" else "application/x-protobuf"
        h = app_headers(inst, accept=ctype, content_type=ctype)
        method = "PUT" if path == "/v2/cart" else "POST"
        return key, placement, make_req(method, path, h, body, binary=True)
    key, v = pick_visitor(rng, seed, n)
    p = v["person"]
    s = rng.random()
    if s < 0.35:
        path = "/tasklane.sync.v1.SyncService/Pull"
        msg = (pb_str(1, v["app"]["user"].replace("usr_", "ws_"))
               + pb_int(2, rng.randrange(1, 10 ** 7))
               + b"".join(pb_str(3, pid) for pid, _ in rng.sample(PROJECTS, 2))
               + pb_bytes(4, pb_client_info(p["locale"], "2024.06.3")))
        placement = "none"
    elif s < 0.65:
        path = "/tasklane.search.v1.SearchService/Search"
        q = rng.choice(TASK_TITLES + FORUM_SEARCHES + PEOPLE[p["locale"]]["searches"])
        msg = (pb_str(1, q) + pb_int(2, 20) + pb_bytes(3, bytes([1, 2]))
               + pb_str(4, p["locale"]))
        placement = "body"
    elif s < 0.8:
        path = "/tasklane.notify.v1.NotificationService/MarkRead"
        msg = b"".join(pb_str(1, f"ntf_{rand_hex(rng, 16)}") for _ in range(rng.randrange(1, 6)))
        placement = "none"
    else:
        path = "/tasklane.task.v1.TaskService/UpdateTask"
        patch = pb_str(1, rng.choice(TASK_TITLES)) + pb_str(2, rng.choice(TASK_DESCRIPTIONS))
        mask = pb_str(1, "title") + pb_str(1, "description")
        msg = pb_str(1, task_key(rng)) + pb_bytes(2, patch) + pb_bytes(3, mask)
        placement = "body"
    frame = grpc_frame(msg)
    if rng.random() < 0.25:  # grpc-web-text: the frame in base64, a text body
        custom = [("x-grpc-web", "1"), ("x-user-agent", "grpc-web-javascript/0.1")]
        h = api_fetch_headers(v, content_type="application/grpc-web-text",
                              accept="application/grpc-web-text", custom=custom)
        return key, placement, make_req("POST", path, h, b64(frame))
    if rng.random() < 0.5:
        custom = [("x-grpc-web", "1"), ("x-user-agent", "grpc-web-javascript/0.1")]
    else:
        custom = [("x-grpc-web", "1"), ("x-user-agent", "connect-es/1.4.0"),
                  ("grpc-timeout", "15000m")]
    h = api_fetch_headers(v, content_type="application/grpc-web+proto",
                          accept="application/grpc-web+proto", custom=custom)
    return key, placement, make_req("POST", path, h, frame, binary=True)


# ----------------------------------------------------------------------------------------------
# text/plain bodies: error-monitoring envelopes, pastes, feedback, a CLI, crash reports.

JS_ERRORS = [
    ("TypeError", "Cannot read properties of undefined (reading 'map')"),
    ("TypeError", "undefined is not an object (evaluating 'e.data.items')"),
    ("TypeError", "NetworkError when attempting to fetch resource."),
    ("ChunkLoadError", "Loading chunk 7712 failed.\n(error: https://app.tasklane.example/_next/"
                       "static/chunks/7712-3b9f0c1d2e4a5f60.js)"),
    ("Error", "ResizeObserver loop completed with undelivered notifications."),
    ("SyntaxError", "Unexpected token '<', \"<!DOCTYPE \"... is not valid JSON"),
    ("Error", "Minified React error #418; visit https://react.dev/errors/418?args[]=text&args[]="
              " for the full message"),
    ("AbortError", "The user aborted a request."),
]


def sentry_envelope(rng, v, site, page):
    etype, evalue = rng.choice(JS_ERRORS)
    ts = BASE_TS + rng.randrange(0, 30 * 86400)
    ms = rng.randrange(1000)
    event_id = rand_hex(rng, 32)
    chunks = ["pages/_app", "main", "framework", "1843"]
    frames = [{"filename": (f"app:///_next/static/chunks/{rng.choice(chunks)}-"
                            f"{rand_hex(rng, 16)}.js"),
               "function": rng.choice(["BoardColumn", "useTasks", "Array.map", "onClick",
                                       "fetchJson", "?"]),
               "in_app": rng.random() < 0.7, "lineno": 1, "colno": rng.randrange(100, 90000)}
              for _ in range(rng.randrange(2, 6))]
    crumbs = [
        {"timestamp": ts - 9.5, "category": "navigation",
         "data": {"from": "/inbox", "to": page}},
        {"timestamp": ts - 4.2, "category": "ui.click",
         "message": rng.choice(["button.btn-primary > span", "div#board > div.column:nth-child(2)",
                                'a[href="/settings/profile"]'])},
        {"timestamp": ts - 3.9, "category": "fetch", "type": "http",
         "data": {"method": "POST", "url": f"https://{API}/graphql", "status_code": 200}},
        {"timestamp": ts - 1.1, "category": "console", "level": "warn",
         "message": rng.choice(['Warning: Each child in a list should have a unique "key" prop.',
                                "[Deprecation] Listener added for a 'DOMNodeInserted' "
                                "mutation event.",
                                "Download the React DevTools for a better development "
                                "experience: https://reactjs.org/link/react-devtools"])},
    ]
    event = {"exception": {"values": [{"type": etype, "value": evalue,
                                       "stacktrace": {"frames": frames},
                                       "mechanism": {"type": "onerror", "handled": False}}]},
             "level": "error", "event_id": event_id, "platform": "javascript",
             "request": {"url": origin(site) + page,
                         "headers": {"User-Agent": v["browser"]["ua"],
                                     "Referer": origin(site) + "/"}},
             "timestamp": ts + ms / 1000, "environment": "production",
             "release": "tasklane-web@2024.06.3" if site == APP else "shop-frontend@8.14.2",
             "sdk": {"name": "sentry.javascript.nextjs", "version": "8.7.0"},
             "user": {"id": v["app"]["user"]} if site == APP else {"ip_address": "{{auto}}"},
             "tags": {"locale": v["person"]["locale"]}, "breadcrumbs": crumbs}
    head = {"event_id": event_id, "sent_at": iso_time(ts, ms),
            "sdk": {"name": "sentry.javascript.nextjs", "version": "8.7.0"},
            "dsn": f"https://{rand_hex(rng, 32)}@errors.tasklane.example/{rng.randrange(2, 9)}"}
    return "\n".join([compact(head), compact({"type": "event"}), compact(event)])


ANDROID_CRASH = (
    "FATAL EXCEPTION: main\nProcess: com.example.shop, PID: {pid}\n"
    "java.lang.IllegalStateException: Fragment ProductFragment{{{hx}}} not attached to a "
    "context.\n\tat androidx.fragment.app.Fragment.requireContext(Fragment.java:972)\n"
    "\tat com.example.shop.product.ProductFragment.onPriceLoaded(ProductFragment.kt:212)\n"
    "\tat com.example.shop.product.ProductViewModel$load$1.invokeSuspend(ProductViewModel.kt:88)"
    "\n\tat kotlin.coroutines.jvm.internal.BaseContinuationImpl.resumeWith(ContinuationImpl.kt:33)"
    "\n\tat android.os.Handler.handleCallback(Handler.java:958)\n"
    "\tat android.os.Looper.loop(Looper.java:294)\n"
    "\tat android.app.ActivityThread.main(ActivityThread.java:8177)\n"
    "Device: {model}; App: {version}; Locale: {locale}\n")


def gen_text(rng, seed, n):
    r = rng.random()
    if r < 0.15:  # the CLI: `tasklane comment TL-123 < notes.txt`
        i = rng.randrange(10)
        key = f"{seed}:script:cli:{i}"
        body = rng.choice(TASK_DESCRIPTIONS + [t[2] for t in TEXT_ATTACHMENTS])
        h = [("Host", API), ("User-Agent", "tasklane-cli/1.4.0 (linux; amd64) go1.22.3"),
             ("Authorization", "Bearer " + client_secret(key, "tlpat_")),
             ("Content-Type", "text/plain; charset=utf-8"), ("Accept-Encoding", "gzip")]
        return key, "body", make_req("POST", f"/v1/tasks/{task_key(rng)}/comments?format=plain",
                                     h, body)
    if r < 0.28:  # an app's crash report
        key, inst = pick_install(rng, seed, n)
        body = ANDROID_CRASH.format(pid=rng.randrange(2000, 32000), hx=rand_hex(rng, 7),
                                    model=inst["model"], version=inst["version"],
                                    locale=inst["person"]["locale"])
        h = app_headers(inst, accept="*/*", content_type="text/plain; charset=utf-8")
        return key, "body", make_req("POST", "/v2/crash-reports", h, body)
    key, v = pick_visitor(rng, seed, n)
    if r < 0.65:  # Sentry's browser SDK through the site's tunnel route: text/plain
        site = rng.choice([APP, SHOP])
        page = site_page(rng, v, site)[0]
        body = sentry_envelope(rng, v, site, page)
        target = f"/monitoring?o=4507123456&p={rng.choice(['4507456789', '4507456790'])}"
        h = browser_headers(v, site, mode="cors", dest="empty", accept="*/*",
                            site="same-origin", referer=origin(site) + page,
                            origin_hdr=origin(site), content_type="text/plain;charset=UTF-8",
                            cookies=site_cookies(v, site))
        return key, "body", make_req("POST", target, h, body)
    if r < 0.85:  # "share snippet" on the forum: the raw code as text/plain
        post = rng.choice(FORUM_POSTS)
        if "```" in post:
            snippet = post.split("```", 2)[1].split("\n", 1)[-1]
            lang = post.split("```", 2)[1].split("\n", 1)[0] or "text"
        else:
            snippet, lang = post, "text"
        t = forum_topic(rng)
        h = browser_headers(v, FORUM, mode="cors", dest="empty", accept="application/json",
                            site="same-origin", referer=origin(FORUM) + f"/t/{t['slug']}/{t['id']}",
                            origin_hdr=origin(FORUM), content_type="text/plain;charset=UTF-8",
                            custom=[("X-CSRF-Token", v["forum"]["csrf"])],
                            cookies=v["forum"]["cookies"])
        return key, "body", make_req("POST", f"/api/pastes?syntax={quote(lang)}", h, snippet)
    # The shop's feedback widget posts the text as it is.
    body = local(rng, v["person"], "messages") if rng.random() < 0.5 else \
        local(rng, v["person"], "reviews")
    h = browser_headers(v, SHOP, mode="cors", dest="empty", accept="*/*", site="same-origin",
                        referer=referer_on(rng, v, SHOP), origin_hdr=origin(SHOP),
                        content_type="text/plain;charset=UTF-8", cookies=v["shop"]["cookies"])
    return key, "body", make_req("POST", "/api/v1/feedback/text", h, body)


# ----------------------------------------------------------------------------------------------
# Analytics beacons: GA4 /g/collect, web-vitals and Segment-style events as text/plain,
# PostHog's base64 form, Discourse's reading timings, a Matomo pixel.

GA_TID = "G-7XK2M9QW4P"
PAGE_TITLES = {
    "en-US": "{q} \u2013 Search results \u2013 Shop",
    "en-GB": "Results for \u201c{q}\u201d | Shop",
    "de-DE": "Suchergebnisse für \u201e{q}\u201c \u2013 Shop",
    "fr-FR": "Résultats pour « {q} » | Shop",
    "es-ES": "Resultados de \u00ab{q}\u00bb | Tienda",
    "ru-RU": "Результаты поиска: {q}",
    "ja-JP": "「{q}」の検索結果",
    "zh-CN": "\u201c{q}\u201d的搜索结果",
    "ar-SA": "نتائج البحث عن {q}",
    "hi-IN": "{q} के लिए खोज परिणाम",
    "pt-BR": "Resultados para \u201c{q}\u201d",
    "nl-NL": "Zoekresultaten voor \u2018{q}\u2019",
}


def ga_cookie_ids(v, rng):
    cookies = dict(v["shop"]["cookies"])
    ga = cookies.get("_ga", f"GA1.1.{rng.randrange(10 ** 8, 10 ** 10)}.{BASE_TS}")
    return ga.split(".", 2)[2]


def gen_beacon(rng, seed, n):
    key, v = pick_visitor(rng, seed, n)
    b, p = v["browser"], v["person"]
    r = rng.random()
    if r < 0.32:  # GA4 through the shop's server-side tagging endpoint
        q = local(rng, p, "searches")
        page_url = f"https://{SHOP}/search?" + form_urlencode([("q", q)])
        ref = rng.choice(EXTERNAL_REFERERS[:3] + [f"https://{SHOP}/"])
        sid = BASE_TS + rng.randrange(0, 30 * 86400)
        event = rng.choice(["page_view", "view_search_results", "view_item", "scroll",
                            "user_engagement", "add_to_cart"])
        params = [("v", "2"), ("tid", GA_TID),
                  ("gtm", f"45je46{rand_hex(rng, 1)}0v9{rng.randrange(10 ** 9, 10 ** 10)}za200"),
                  ("_p", str(sid * 1000 + rng.randrange(1000))), ("gcs", "G111"),
                  ("gcd", "13r3r3r3r5l1"), ("npa", "0"), ("dma", "0"), ("tag_exp", "0"),
                  ("cid", ga_cookie_ids(v, rng)), ("ul", p["locale"].lower()),
                  ("sr", rng.choice(["1920x1080", "1440x900", "390x844", "2560x1440"]))]
        if b["kind"] in ("chrome", "edge"):
            ver = b["ua"].split("Chrome/")[1].split(".")[0]
            brand = "Microsoft%20Edge" if b["kind"] == "edge" else "Google%20Chrome"
            plat = dict(b["ch"])["sec-ch-ua-platform"].strip('"')
            params += [("uaa", "x86"), ("uab", "64"),
                       ("uafvl", f"{brand};{ver}.0.6422.142|Chromium;{ver}.0.6422.142|"
                                 "Not.A%2FBrand;24.0.0.0"),
                       ("uamb", "1" if dict(b["ch"])["sec-ch-ua-mobile"] == "?1" else "0"),
                       ("uam", ""), ("uap", plat),
                       ("uapv", {"Windows": "15.0.0", "macOS": "14.5.0", "Linux": "6.5.0",
                                 "Android": "14.0.0"}.get(plat, "")), ("uaw", "0")]
        params += [("are", "1"), ("frm", "0"), ("pscdl", "noapi"), ("_eu", "AEA"),
                   ("_s", str(rng.randrange(1, 12))), ("sid", str(sid)),
                   ("sct", str(rng.randrange(1, 40))), ("seg", "1"), ("dl", page_url),
                   ("dr", ref), ("dt", PAGE_TITLES[p["locale"]].format(q=q)), ("en", event)]
        if event == "view_search_results":
            params.append(("ep.search_term", q))
        elif event in ("view_item", "add_to_cart"):
            params += [("cu", rng.choice(["EUR", "USD", "GBP"])),
                       ("pr1", f"idSKU-{rng.randrange(10000, 99999)}~nm" + rng.choice(
                           ['Chef knife 8"', "Trail Running Shoe", "Kaffeemühle Classic"])
                        + f"~pr{rng.randrange(10, 300)}.99~qt1~ca{rng.choice(shop.CATEGORIES)}")]
        elif event == "scroll":
            params.append(("epn.percent_scrolled", "90"))
        params += [("_et", str(rng.randrange(5, 60000))), ("tfd", str(rng.randrange(500, 90000)))]
        target = "/g/collect?" + "&".join(f"{k}={browser_query_component(val)}"
                                          for k, val in params)
        body, ctype = None, None
        if rng.random() < 0.3:  # more events batched in the body
            body = "\r\n".join(f"en={e}&_et={rng.randrange(10, 30000)}" + extra for e, extra in [
                ("scroll", "&epn.percent_scrolled=90"), ("user_engagement", ""),
                ("view_item_list", "&ep.item_list_name=" + browser_query_component(q)),
            ][:rng.randrange(1, 4)])
            ctype = "text/plain;charset=UTF-8"
        ga_cookies = [(k, val) for k, val in v["shop"]["cookies"] if k.startswith("_ga")]
        h = browser_headers(v, SHOP_METRICS, mode="no-cors", dest="empty", accept="*/*",
                            site="same-site", referer=page_url, origin_hdr=origin(SHOP),
                            content_type=ctype, cookies=ga_cookies or None)
        return key, "query", make_req("POST", target, h, body if body is not None else "")
    if r < 0.52:  # web-vitals with navigator.sendBeacon
        site = rng.choice([SHOP, APP, FORUM])
        page = site_page(rng, v, site)[0]
        metric = rng.choice(["LCP", "CLS", "INP", "FCP", "TTFB"])
        value = {"LCP": rng.uniform(600, 5200), "CLS": rng.uniform(0, 0.4),
                 "INP": rng.uniform(16, 700), "FCP": rng.uniform(300, 3000),
                 "TTFB": rng.uniform(40, 1800)}[metric]
        attribution = {
            "LCP": {"element": rng.choice(["#main>div.hero>img.product-image",
                                           "main>section:nth-child(1)>h1",
                                           'div[data-testid="board"]>div.column']),
                    "url": (f"https://{SHOP_CDN}/i/{rng.choice(shop.PRODUCTS)}/"
                            f"{rand_hex(rng, 12)}.jpg?w=960&q=75&fm=webp"),
                    "timeToFirstByte": round(rng.uniform(40, 600), 1),
                    "resourceLoadDelay": round(rng.uniform(0, 400), 1)},
            "CLS": {"largestShiftTarget": rng.choice(["div.cookie-banner", "#newsletter-popup",
                                                      "img.avatar"]),
                    "loadState": "dom-content-loaded"},
            "INP": {"interactionTarget": rng.choice(["button#add-to-cart.btn.btn-primary",
                                                     "div.composer>textarea.d-editor-input",
                                                     "li.task-card:nth-child(3)"]),
                    "interactionType": rng.choice(["pointer", "keyboard"])},
        }.get(metric, {})
        body = compact({"name": metric, "value": round(value, 4 if metric == "CLS" else 1),
                        "rating": rng.choice(["good", "needs-improvement", "poor"]),
                        "delta": round(value, 4 if metric == "CLS" else 1),
                        "id": (f"v4-{BASE_TS}{rng.randrange(100, 999)}-"
                               f"{rng.randrange(10 ** 12, 10 ** 13)}"),
                        "navigationType": rng.choice(["navigate", "reload", "back-forward"]),
                        "page": page, "attribution": attribution})
        h = browser_headers(v, site, mode="no-cors", dest="empty", accept="*/*",
                            site="same-origin", referer=origin(site) + page,
                            origin_hdr=origin(site), content_type="text/plain;charset=UTF-8",
                            cookies=site_cookies(v, site))
        return key, "body", make_req("POST", "/rum", h, body)
    if r < 0.67:  # Segment-style analytics.js: fetch(keepalive) with text/plain JSON
        q = local(rng, p, "searches")
        event, props = rng.choice([
            ("Products Searched", {"query": q}),
            ("Product Viewed", {"product_id": f"SKU-{rng.randrange(10000, 99999)}",
                                "name": rng.choice(['Chef knife 8"', "Mug, ceramic (350 ml)",
                                                    "Kaffeemühle \u201eClassic\u201c"]),
                                "price": rng.randrange(5, 300) + 0.99, "currency": "EUR"}),
            ("Checkout Started", {"order_id": str(rng.randrange(10400, 10700)),
                                  "value": rng.randrange(20, 500), "coupon": "SUMMER-24"}),
        ])
        search = "?" + form_urlencode([("q", q)])
        body = compact({
            "timestamp": iso_time(BASE_TS + rng.randrange(0, 30 * 86400), rng.randrange(1000)),
            "integrations": {}, "type": "track", "event": event, "properties": props,
            "context": {"page": {"path": "/search", "referrer": rng.choice(EXTERNAL_REFERERS),
                                 "search": search, "title": PAGE_TITLES[p["locale"]].format(q=q),
                                 "url": f"https://{SHOP}/search{search}"},
                        "userAgent": b["ua"], "locale": p["locale"],
                        "library": {"name": "analytics.js", "version": "npm:next-1.70.0"},
                        "timezone": TIMEZONES[p["locale"]]},
            "messageId": "ajs-next-" + rand_hex(rng, 32), "anonymousId": rand_uuid(rng),
            "writeKey": "sEgWk3yQ9m2LxT7aB4cD1eF6gH8jK0nP", "userId": None,
            "sentAt": iso_time(BASE_TS + rng.randrange(0, 30 * 86400), rng.randrange(1000)),
            "_metadata": {"bundled": ["Segment.io"], "unbundled": [], "bundledIds": []}})
        h = browser_headers(v, SHOP, mode="cors", dest="empty", accept="*/*",
                            site="same-origin", referer=f"https://{SHOP}/search{search}",
                            origin_hdr=origin(SHOP), content_type="text/plain",
                            cookies=v["shop"]["cookies"])
        return key, "body", make_req("POST", "/seg/v1/t", h, body)
    if r < 0.79:  # PostHog: the events as base64 in a form field
        page = app_page(rng, v)[0]
        events = [{"event": rng.choice(["$pageview", "$autocapture", "task_created", "$pageleave"]),
                   "properties": {"$current_url": origin(APP) + page, "$host": APP,
                                  "$pathname": page.split("?")[0], "$browser": b["kind"].title(),
                                  "$device_type": "Desktop", "$lib": "web",
                                  "$lib_version": "1.139.0", "$referrer": "$direct",
                                  "distinct_id": v["app"]["user"], "token": POSTHOG_KEY,
                                  "$session_id": rand_uuid(rng), "$window_id": rand_uuid(rng),
                                  "title": "Tasklane", "$time": BASE_TS + rng.random() * 2592000},
                   "timestamp": iso_time(BASE_TS + rng.randrange(0, 30 * 86400),
                                         rng.randrange(1000))}
                  for _ in range(rng.randrange(1, 4))]
        body = "data=" + quote(b64(compact(events).encode()), safe="")
        target = f"/ingest/e/?ip=1&_={BASE_TS}{rng.randrange(100, 999)}&ver=1.139.0"
        h = browser_headers(v, APP, mode="cors", dest="empty", accept="*/*",
                            site="same-origin", referer=origin(APP) + page,
                            origin_hdr=origin(APP),
                            content_type="application/x-www-form-urlencoded",
                            cookies=v["app"]["cookies"])
        return key, "form", make_req("POST", target, h, body)
    if r < 0.9:  # Discourse's reading-time beacon
        t = forum_topic(rng)
        posts = rng.sample(range(1, 25), rng.randrange(1, 5))
        fields = [(f"timings[{i}]", str(rng.randrange(1000, 60000))) for i in sorted(posts)]
        fields += [("topic_time", str(rng.randrange(2000, 120000))), ("topic_id", str(t["id"]))]
        h = browser_headers(v, FORUM, mode="cors", dest="empty", accept="*/*",
                            site="same-origin", referer=origin(FORUM) + f"/t/{t['slug']}/{t['id']}",
                            origin_hdr=origin(FORUM),
                            content_type="application/x-www-form-urlencoded; charset=UTF-8",
                            custom=[("X-CSRF-Token", v["forum"]["csrf"]),
                                    ("X-SILENCE-LOGGER", "true"),
                                    ("X-Requested-With", "XMLHttpRequest")],
                            cookies=v["forum"]["cookies"])
        return key, "form", make_req("POST", "/topics/timings", h, form_urlencode(fields))
    # A Matomo tracking pixel on the forum, with the site search.
    kw = rng.choice(FORUM_SEARCHES)
    url = f"https://{FORUM}/search?q=" + browser_query_component(kw)
    params = [("action_name", f"Search results for '{kw}' - DevHub"), ("idsite", "1"),
              ("rec", "1"), ("r", str(rng.randrange(100000, 999999))),
              ("h", str(rng.randrange(24))), ("m", str(rng.randrange(60))),
              ("s", str(rng.randrange(60))), ("url", url), ("urlref", f"https://{FORUM}/latest"),
              ("_id", rand_hex(rng, 16)), ("_idn", "0"), ("send_image", "1"), ("_refts", "0"),
              ("pv_id", rand_str(rng, 6)), ("pf_net", "0"), ("pf_srv", str(rng.randrange(40, 900))),
              ("search", kw), ("search_cat", ""), ("search_count", str(rng.randrange(0, 80))),
              ("res", rng.choice(["1920x1080", "2560x1440", "1366x768"])), ("cookie", "1")]
    target = "/matomo.php?" + "&".join(f"{k}={browser_query_component(val)}" for k, val in params)
    h = browser_headers(v, FORUM, mode="no-cors", dest="image", accept=accept_image(v),
                        site="same-origin", referer=url, cookies=v["forum"]["cookies"])
    return key, "query", make_req("GET", target, h)


# ----------------------------------------------------------------------------------------------
# CSP and Reporting API reports, with what browsers really report (inline scripts, eval,
# extensions injecting into pages).

CSP_POLICY = {
    SHOP: ("default-src 'self'; script-src 'self' 'nonce-{nonce}' https://www.googletagmanager.com"
           " https://cdn.shop.example.com; style-src 'self' 'unsafe-inline'; img-src 'self' data:"
           " https:; connect-src 'self' https://metrics.shop.example.com; frame-ancestors 'none';"
           " report-uri /csp-report; report-to csp"),
    FORUM: ("base-uri 'self'; object-src 'none'; script-src 'nonce-{nonce}' 'strict-dynamic'; "
            "worker-src 'self' blob:; report-uri /csp_reports"),
    APP: ("default-src 'self'; script-src 'self' 'nonce-{nonce}' 'strict-dynamic'; connect-src "
          "'self' https://api.tasklane.example wss://realtime.tasklane.example "
          "https://uploads.tasklane.example; img-src 'self' blob: data: https://cdn.tasklane."
          "example; report-uri /api/csp-report; report-to default"),
}
CSP_VIOLATIONS = [
    # (effective directive, blocked uri, sample, source file)
    ("script-src-elem", "inline", "window.dataLayer = window.dataLayer || [", None),
    ("script-src-elem", "inline", "(function(w,d,s,l,i){w[l]=w[l]||[];w[l].", None),
    ("script-src", "eval", "", "https://cdn.shop.example.com/js/legacy-widget.js"),
    ("style-src-attr", "inline", "display: none; visibility: hidden;", None),
    ("script-src-elem", "https://cdn.adnetwork.example/tag.js?id=123&cb=8812", "", None),
    ("img-src", "https://pixel.tracker.example/p.gif?e=pv&u=%2Fcheckout", "", None),
    ("connect-src", "wss://realtime.tasklane.example/socket?vsn=2.0.0", "", None),
    ("script-src-elem", "chrome-extension", "",
     "chrome-extension://hdokiejnpimakedhajhdlcegeplioahd"),
    ("script-src-elem", "moz-extension", "",
     "moz-extension://3b1c9f0e-5d2a-4e77-9a1b-0c2d3e4f5a6b"),
    ("font-src", "data", "", None),
    ("frame-ancestors", f"https://{SHOP}/checkout", "", None),
    ("script-src-elem", "inline", "document.getElementById('newsletter').ad", None),
]


def gen_csp(rng, seed, n):
    key, v = pick_visitor(rng, seed, n)
    b = v["browser"]
    site = weighted(rng, [(SHOP, 50), (FORUM, 25), (APP, 25)])
    page = site_page(rng, v, site)[0]
    doc = origin(site) + page
    policy = CSP_POLICY[site].format(nonce=b64(rng.randbytes(16)))
    directive, blocked, sample, source = rng.choice(CSP_VIOLATIONS)
    line, col = rng.randrange(1, 400), rng.randrange(1, 9000)
    report_uri = {SHOP: "/csp-report", FORUM: "/csp_reports", APP: "/api/csp-report"}[site]
    if b["kind"] in ("chrome", "edge") and rng.random() < 0.45:
        # The Reporting API: a batch of reports, with deprecations and interventions.
        reports = [{"age": rng.randrange(0, 60000), "type": "csp-violation", "url": doc,
                    "user_agent": b["ua"],
                    "body": {"blockedURL": blocked, "columnNumber": col,
                             "disposition": rng.choice(["enforce", "report"]),
                             "documentURL": doc, "effectiveDirective": directive,
                             "lineNumber": line, "originalPolicy": policy,
                             "referrer": rng.choice(["", "https://www.google.com/"]),
                             "sample": sample, "sourceFile": source or doc,
                             "statusCode": 200}}]
        if rng.random() < 0.4:
            reports.append({"age": rng.randrange(0, 60000), "type": "deprecation", "url": doc,
                            "user_agent": b["ua"],
                            "body": {"columnNumber": col, "id": "MutationEvents",
                                     "lineNumber": line,
                                     "message": "Listener added for a synchronous "
                                                "'DOMNodeInserted' DOM Mutation Event. This event "
                                                "type is deprecated and will be removed from this "
                                                "browser VERY soon.",
                                     "sourceFile": (f"{origin(site)}/static/js/vendor."
                                                    f"{rand_hex(rng, 8)}.js")}})
        if rng.random() < 0.2:
            reports.append({"age": rng.randrange(0, 60000), "type": "intervention", "url": doc,
                            "user_agent": b["ua"],
                            "body": {"id": "HeavyAdIntervention",
                                     "message": "Ad was removed because its network usage "
                                                "exceeded the limit. See https://www."
                                                "chromestatus.com/feature/4800491902992384",
                                     "sourceFile": None, "lineNumber": None,
                                     "columnNumber": None}})
        h = [("Host", site), ("Connection", "keep-alive"),
             ("Content-Type", "application/reports+json"), ("Origin", origin(site)),
             ("User-Agent", b["ua"]), ("Accept-Encoding", b["encoding"]),
             ("Accept-Language", b["lang"])]
        path = "/api/reports" if site == APP else "/reports"
        return key, "json", make_req("POST", path, h, compact(reports))
    report = {"document-uri": doc, "referrer": rng.choice(["", "https://www.google.com/"]),
              "violated-directive": directive, "effective-directive": directive,
              "original-policy": policy, "disposition": "enforce", "blocked-uri": blocked,
              "line-number": line, "column-number": col, "status-code": 200}
    if source:
        report["source-file"] = source
    if sample or b["kind"] != "firefox":
        report["script-sample"] = sample
    h = browser_headers(v, site, mode="no-cors", dest="report", accept="*/*",
                        site="same-origin", origin_hdr=origin(site),
                        content_type="application/csp-report")
    return key, "json", make_req("POST", report_uri, h, compact({"csp-report": report}))


# ----------------------------------------------------------------------------------------------
# API clients: the apps, scripts and webhooks.


def app_query(inst, value):
    """A query value as each stack encodes it: OkHttp escapes ' and &, URLComponents leaves
    ' ( ) ! * raw, Dart's Uri writes spaces as '+'."""
    if inst["stack"] == "okhttp":
        return quote(value, safe="*-._")
    if inst["stack"] == "cfnetwork":
        return quote(value, safe="!$'()*,;:@/?-._~")
    return quote_plus(value, safe="*-._~")


COMMIT_MESSAGES = [
    "Fix search for names like O'Brien (#1523)\n\nEscape the apostrophe in the highlight regex.",
    "Drop unused `orders_v1` table\n\nSee #1422. Migration: `DROP TABLE orders_v1;`",
    "Bump express from 4.19.1 to 4.19.2",
    "feat(board): select all / deselect all in bulk editor",
    "chore: `rm -rf dist` before build so stale chunks don't ship",
    "Übersetzungen aktualisiert (de, fr)",
    "docs: add curl example for the webhook\n\n```sh\ncurl -X POST localhost:3000/webhooks -d "
    "@payload.json\n```",
    'Revert "Use eval for widget config"\n\nThis reverts commit 3f9a2c1.',
    "fix(sql): use UNION ALL, duplicates are impossible here",
    "Исправлена сортировка задач",
]


def gen_api(rng, seed, n):
    r = rng.random()
    if r < 0.58:
        key, inst = pick_install(rng, seed, n)
        p = inst["person"]
        s = rng.random()
        method, body, placement, ctype = "GET", None, "header", None
        if inst["host"] == SHOP_MAPI:
            if s < 0.15:
                path = f"/v2/home?locale={p['locale']}&tz={quote(TIMEZONES[p['locale']], safe='')}"
            elif s < 0.35:
                path = (f"/v2/search?q={app_query(inst, local(rng, p, 'searches'))}&page="
                        f"{rng.randrange(1, 4)}&sort=relevance")
                placement = "query"
            elif s < 0.5:
                path = f"/v2/products/{rng.randrange(1000, 99999)}?fields=variants,reviews_summary"
            elif s < 0.6:
                path = "/v2/orders?status=open&limit=20"
            elif s < 0.7:
                method, path = "POST", "/v2/cart/items"
                body = {"sku": f"SKU-{rng.randrange(10000, 99999)}",
                        "quantity": rng.randrange(1, 3)}
            elif s < 0.78:
                method, path, placement = "POST", "/v2/devices", "json"
                body = {"pushToken": inst["push"], "platform": "android" if inst["stack"] ==
                        "okhttp" else "ios", "locale": p["locale"],
                        "timezone": TIMEZONES[p["locale"]], "appVersion": inst["version"],
                        "model": inst["model"]}
            elif s < 0.86:
                method, path, placement = "POST", "/v2/auth/refresh", "json"
                body = {"refresh_token": inst["refresh"], "device_id": inst["device_id"]}
            elif s < 0.93:
                method, path, placement = "POST", "/v2/orders", "json"
                body = {"items": [{"sku": f"SKU-{rng.randrange(10000, 99999)}", "qty": 1}],
                        "shippingAddress": {"name": f"{p['first']} {p['last']}",
                                            **p["address"], "phone": p["phone"]},
                        "note": rng.choice([""] + ORDER_NOTES), "paymentToken":
                            "tok_" + rand_str(rng, 24)}
            else:
                method, path, placement = "POST", "/v2/auth/login", "json"
                body = {"email": p["email"], "password": password(rng),
                        "deviceId": inst["device_id"]}
        else:
            if s < 0.3:
                path = "/v1/me"
            elif s < 0.6:
                typed = app_query(inst, rng.choice(TASK_TITLES)[:12])
                path = f"/v1/tasks?assignee=me&status=open&q={typed}"
                placement = "query"
            elif s < 0.8:
                method, path, placement = "POST", "/v1/tasks", "json"
                body = {"projectId": rng.choice(PROJECTS)[0], "title": rng.choice(TASK_TITLES),
                        "description": rng.choice(TASK_DESCRIPTIONS)}
            else:
                method, path, placement = "POST", f"/v1/tasks/{task_key(rng)}/comments", "json"
                body = {"body": rng.choice(TASK_COMMENTS)}
        if body is not None:
            ctype = app_json_type(inst)
            body = compact(body)
        h = app_headers(inst, content_type=ctype)
        return key, placement, make_req(method, path, h, body)
    if r < 0.78:  # scripts
        i = rng.randrange(15)
        kind = ["python", "go", "node"][i % 3]
        key = f"{seed}:script:{kind}:{i}"
        if kind == "python":
            token = client_secret(key, "", 32)
            auth = rng.choice([("Authorization", f"Token {token}"), (
                "Authorization", "Basic " + b64(f"reporting@example.org:{token}".encode()))])
            if rng.random() < 0.6:
                q = urlencode([("created_at_min", "2024-06-01T00:00:00+02:00"),
                               ("status", "any"), ("limit", "250"),
                               ("fields", "id,email,total_price,shipping_address")])
                h = [("Host", SHOP), ("User-Agent", "python-requests/2.31.0"),
                     ("Accept-Encoding", "gzip, deflate"), ("Accept", "*/*"),
                     ("Connection", "keep-alive"), auth]
                return key, "header", make_req("GET", "/admin/api/orders.json?" + q, h)
            body = spaced({"adjustments": [{"sku": f"SKU-{rng.randrange(10000, 99999)}",
                                            "delta": rng.randrange(-5, 50),
                                            "reason": rng.choice(["restock", "damaged",
                                                                  "inventory count"])}
                                           for _ in range(rng.randrange(1, 6))]})
            h = [("Host", SHOP), ("User-Agent", "python-requests/2.31.0"),
                 ("Accept-Encoding", "gzip, deflate"), ("Accept", "*/*"),
                 ("Connection", "keep-alive"), auth, ("Content-Type", "application/json")]
            return key, "json", make_req("POST", "/admin/api/inventory/adjust", h, body)
        if kind == "go":
            svc = jwt(random.Random(key), {"iss": "stock-sync", "sub": "svc:stock-sync",
                                           "aud": SHOP_MAPI, "iat": BASE_TS,
                                           "exp": BASE_TS + 10 ** 7}, alg="ES256")
            h = [("Host", SHOP_MAPI), ("User-Agent", "Go-http-client/1.1"),
                 ("Authorization", "Bearer " + svc), ("Accept", "application/json"),
                 ("Accept-Encoding", "gzip")]
            skus = ",".join(f"SKU-{rng.randrange(10000, 99999)}"
                            for _ in range(rng.randrange(1, 8)))
            target = (f"/internal/v1/stock?skus={quote(skus, safe=',')}"
                      f"&warehouse={rng.choice(['BER1', 'AMS2', 'MAD1'])}")
            return key, "header", make_req("GET", target, h)
        # Next.js server-side fetch (undici): lower-case names, "node" agent.
        h = [("host", SHOP), ("connection", "keep-alive"), ("accept", "application/json"),
             ("accept-language", "*"), ("sec-fetch-mode", "cors"), ("user-agent", "node"),
             ("accept-encoding", "gzip, deflate"),
             ("x-api-key", client_secret(key, "sk_live_", 32))]
        ids = ",".join(str(rng.randrange(1000, 99999)) for _ in range(rng.randrange(2, 12)))
        return key, "none", make_req("GET", f"/api/v1/products?ids={ids}&fields=title,price,"
                                            "image", h)
    s = rng.random()
    if s < 0.4:  # a code host's push webhook to the forum
        i = rng.randrange(6)
        key = f"{seed}:webhook:git:{i}"
        person = make_person(rng)
        commits = []
        ts = BASE_TS + rng.randrange(0, 30 * 86400)
        for _ in range(rng.randrange(1, 4)):
            sha = rand_hex(rng, 40)
            commits.append({"id": sha, "tree_id": rand_hex(rng, 40), "distinct": True,
                            "message": rng.choice(COMMIT_MESSAGES),
                            "timestamp": iso_time(ts).replace("Z", "+00:00"),
                            "url": f"https://git.devhub.example/devhub/shop-web/commit/{sha}",
                            "author": {"name": f"{person['first']} {person['last']}",
                                       "email": person["email"], "username": person["handle"]},
                            "added": [], "removed": [],
                            "modified": rng.sample(["src/search/highlight.ts", "db/migrate/"
                                                    "20240603_drop_orders_v1.sql",
                                                    "package.json", "locales/de.json",
                                                    "README.md"], 2)})
        payload = compact({"ref": "refs/heads/main", "before": rand_hex(rng, 40),
                           "after": commits[-1]["id"], "created": False, "deleted": False,
                           "forced": False,
                           "repository": {"id": 781234567, "name": "shop-web",
                                          "full_name": "devhub/shop-web", "private": False,
                                          "default_branch": "main"},
                           "pusher": {"name": person["handle"], "email": person["email"]},
                           "sender": {"login": person["handle"], "id": person["user_id"]},
                           "commits": commits, "head_commit": commits[-1]})
        secret = client_secret(key, "whsec_")
        h = [("Host", FORUM), ("User-Agent", f"GitHub-Hookshot/{rand_hex(random.Random(key), 7)}"),
             ("Accept", "*/*"), ("X-GitHub-Delivery", rand_uuid(rng)),
             ("X-GitHub-Event", "push"), ("X-GitHub-Hook-ID", str(480000000 + i)),
             ("X-GitHub-Hook-Installation-Target-ID", "781234567"),
             ("X-GitHub-Hook-Installation-Target-Type", "repository"),
             ("X-Hub-Signature", "sha1=" + hmac_hex(secret, payload, "sha1")),
             ("X-Hub-Signature-256", "sha256=" + hmac_hex(secret, payload, "sha256")),
             ("Content-Type", "application/json")]
        return key, "json", make_req("POST", "/webhooks/github", h, payload)
    if s < 0.75:  # the payment provider's webhook to the shop
        key = f"{seed}:webhook:payments:{rng.randrange(3)}"
        person = make_person(rng)
        a = person["address"]
        ts = BASE_TS + rng.randrange(0, 30 * 86400)
        order = rng.randrange(10400, 10700)
        payload = compact({
            "id": "evt_" + rand_str(rng, 24), "object": "event", "api_version": "2024-04-10",
            "created": ts, "type": rng.choice(["payment_intent.succeeded", "charge.refunded",
                                               "payment_intent.payment_failed"]),
            "data": {"object": {"id": "pi_" + rand_str(rng, 24), "object": "payment_intent",
                                "amount": rng.randrange(500, 50000),
                                "currency": rng.choice(["eur", "usd", "gbp"]),
                                "description": f"Order #{order}",
                                "billing_details": {"name": f"{person['first']} {person['last']}",
                                                    "email": person["email"],
                                                    "address": {"line1": a["line1"],
                                                                "city": a["city"],
                                                                "postal_code": a["postcode"],
                                                                "country": a["country"]}},
                                "metadata": {"order_id": str(order),
                                             "note": rng.choice([""] + ORDER_NOTES)}}},
            "livemode": True, "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": rand_uuid(rng)}})
        sig = hmac_hex(client_secret(key, "whsec_"), f"{ts}.{payload}", "sha256")
        h = [("Host", SHOP), ("User-Agent", "PaymentsWebhooks/1.0 (+https://payments.example/"
                                            "docs/webhooks)"),
             ("Content-Type", "application/json; charset=utf-8"), ("Cache-Control", "no-cache"),
             ("Accept", "*/*; q=0.5, application/xml"),
             ("Payments-Signature", f"t={ts},v1={sig}")]
        return key, "json", make_req("POST", "/webhooks/payments", h, payload)
    # A chat slash command to the task tracker.
    key = f"{seed}:webhook:chat:{rng.randrange(4)}"
    text = rng.choice(['create Fix "select all" in bulk editor', "list --mine --status=open",
                       "assign TL-1422 @olga_s", "create Übersetzung prüfen (de)",
                       "close TL-988 --comment 'fixed in #1523'"])
    ts = BASE_TS + rng.randrange(0, 30 * 86400)
    body = form_urlencode([("token", client_secret(key, "", 24)), ("team_id", "T04ABCD12"),
                           ("team_domain", "acme"), ("channel_id", "C061XYZ99"),
                           ("channel_name", rng.choice(["dev", "ops", "général"])),
                           ("user_id", "U0" + rand_str(rng, 8, string.ascii_uppercase
                                                       + string.digits)),
                           ("user_name", rng.choice(FORUM_USERS)), ("command", "/task"),
                           ("text", text), ("api_app_id", "A05TLANE01"), ("is_enterprise_install",
                                                                         "false"),
                           ("response_url", "https://hooks.chat.example/commands/T04ABCD12/"
                                            f"{rng.randrange(10 ** 12, 10 ** 13)}/"
                                            f"{rand_str(rng, 24)}"),
                           ("trigger_id", f"{rng.randrange(10 ** 12, 10 ** 13)}."
                                          f"{rng.randrange(10 ** 9, 10 ** 10)}."
                                          f"{rand_hex(rng, 32)}")])
    h = [("Host", APP), ("User-Agent", "Slackbot 1.0 (+https://api.slack.com/robots)"),
         ("Accept-Encoding", "gzip,deflate"), ("Accept", "application/json,*/*"),
         ("X-Slack-Signature",
          "v0=" + hmac_hex(client_secret(key, ""), f"v0:{ts}:{body}", "sha256")),
         ("X-Slack-Request-Timestamp", str(ts)),
         ("Content-Type", "application/x-www-form-urlencoded")]
    return key, "form", make_req("POST", "/integrations/chat/command", h, body)


# ----------------------------------------------------------------------------------------------
# REST verbs: PUT, PATCH (merge-patch and JSON Patch), DELETE.


def gen_rest(rng, seed, n):
    r = rng.random()
    if r < 0.2:  # the apps
        key, inst = pick_install(rng, seed, n)
        p = inst["person"]
        s = rng.random()
        if s < 0.5:
            ctype = {"okhttp": "application/merge-patch+json; charset=UTF-8",
                     "cfnetwork": "application/merge-patch+json",
                     "dart": "application/merge-patch+json; charset=utf-8"}[inst["stack"]]
            body = compact({"displayName": f"{p['first']} {p['last']}",
                            "phone": rng.choice([p["phone"], None]),
                            "preferences": {"newsletter": rng.random() < 0.5,
                                            "language": p["locale"]}})
            path = "/v2/me" if inst["host"] == SHOP_MAPI else "/v1/me"
            return key, "json", make_req("PATCH", path, app_headers(inst, content_type=ctype), body)
        if s < 0.8:
            path = (f"/v2/cart/items/{rng.randrange(100000, 999999)}" if inst["host"] == SHOP_MAPI
                    else f"/v1/tasks/{task_key(rng)}/watchers/me")
            return key, "header", make_req("DELETE", path, app_headers(inst))
        body = compact({"pushToken": inst["push"], "enabled": rng.random() < 0.8,
                        "quietHours": {"from": "22:00", "to": "07:00"}})
        return key, "json", make_req("PUT", f"/v2/devices/{inst['device_id']}" if inst["host"] ==
                                     SHOP_MAPI else f"/v1/devices/{inst['device_id']}",
                                     app_headers(inst, content_type=app_json_type(inst)),
                                     body)
    if r < 0.28:  # an admin script
        i = rng.randrange(6)
        key = f"{seed}:script:python:rest:{i}"
        h = [("Host", SHOP), ("User-Agent", "python-requests/2.31.0"),
             ("Accept-Encoding", "gzip, deflate"), ("Accept", "*/*"), ("Connection", "keep-alive"),
             ("Authorization", "Token " + client_secret(key, "", 32))]
        if rng.random() < 0.5:
            return key, "header", make_req(
                "DELETE", f"/admin/api/products/{rng.randrange(1000, 99999)}.json", h)
        body = spaced({"inventory_item_id": rng.randrange(10 ** 9, 10 ** 10),
                       "location_id": rng.randrange(10 ** 7, 10 ** 8),
                       "available": rng.randrange(0, 500)})
        return key, "json", make_req("PUT", "/admin/api/inventory_levels/set.json",
                                     h + [("Content-Type", "application/json")], body)
    key, v = pick_visitor(rng, seed, n)
    p = v["person"]
    s = rng.random()
    if s < 0.45:  # the SPA's API
        tk = task_key(rng)
        t = rng.random()
        if t < 0.45:
            body = {"title": rng.choice(TASK_TITLES), "dueDate": rng.choice(
                [None, f"2024-07-{rng.randrange(1, 31):02d}"]),
                    "labels": rng.sample(["bug", "frontend", "backend", "i18n", "needs-review"],
                                         rng.randrange(0, 3))}
            if rng.random() < 0.5:
                body["description"] = rng.choice(TASK_DESCRIPTIONS)
            h = api_fetch_headers(v, content_type="application/merge-patch+json")
            return key, "json", make_req("PATCH", f"/v1/tasks/{tk}", h, compact(body))
        if t < 0.6:
            ops = [{"op": "replace", "path": "/title", "value": rng.choice(TASK_TITLES)},
                   {"op": "remove", "path": "/dueDate"},
                   {"op": "add", "path": "/labels/-", "value": "needs-review"},
                   {"op": "test", "path": "/version", "value": rng.randrange(1, 40)}]
            h = api_fetch_headers(v, content_type="application/json-patch+json")
            return key, "json", make_req("PATCH", f"/v1/tasks/{tk}", h,
                                         compact(rng.sample(ops, rng.randrange(1, 5))))
        if t < 0.75:
            h = api_fetch_headers(v, content_type="application/json")
            return key, "none", make_req("PUT", f"/v1/tasks/{tk}/position", h, compact(
                {"columnId": f"col_{rand_hex(rng, 8)}", "position": rng.randrange(0, 50)}))
        if t < 0.9:
            h = api_fetch_headers(v, custom=[("if-match", etag(rng))])
            return key, "header", make_req("DELETE", f"/v1/comments/cmt_{rand_hex(rng, 12)}", h)
        # The avatar straight to storage with a presigned URL.
        h = browser_headers(v, UPLOADS, mode="cors", dest="empty", accept="*/*",
                            site="same-site", referer=origin(APP) + "/settings/profile",
                            origin_hdr=origin(APP), content_type="image/png")
        return key, "query", make_req("PUT", presigned(rng, f"/avatars/{v['app']['user']}/"
                                                            f"{rand_hex(rng, 16)}.png"), h,
                                      identicon_png(rng), binary=True)
    custom = []
    if v["shop"]["framework"] == "django":
        custom.append(("X-CSRFToken", v["shop"]["csrf"]))
    elif v["shop"]["framework"] == "laravel":
        custom.append(("X-XSRF-TOKEN", v["shop"]["csrf"]))

    def shop_h(ctype=None):
        return browser_headers(v, SHOP, mode="cors", dest="empty",
                               accept="application/json, text/plain, */*", site="same-origin",
                               referer=referer_on(rng, v, SHOP), origin_hdr=origin(SHOP),
                               content_type=ctype, custom=custom, cookies=v["shop"]["cookies"])

    item = rng.randrange(100000, 999999)
    if s < 0.65:
        return key, "none", make_req("PUT", f"/api/v1/cart/items/{item}",
                                     shop_h("application/json"),
                                     compact({"quantity": rng.randrange(1, 6)}))
    if s < 0.8:
        return key, "none", make_req("DELETE", f"/api/v1/cart/items/{item}", shop_h())
    if s < 0.92:
        a = p["address"]
        body = {"address": {"line1": a["line1"], "line2": None, "city": a["city"],
                            "postalCode": a["postcode"], "country": a["country"]},
                "phone": p["phone"] if rng.random() < 0.5 else None,
                "nickname": p["first"]}
        return key, "json", make_req("PATCH", "/api/v1/me",
                                     shop_h("application/merge-patch+json"),
                                     compact(body))
    a = p["address"]
    return key, "json", make_req("PUT", f"/api/v1/me/addresses/{rng.randrange(1, 4)}",
                                 shop_h("application/json;charset=UTF-8"),
                                 compact({"firstName": p["first"], "lastName": p["last"],
                                          "line1": a["line1"], "city": a["city"],
                                          "region": a["region"], "postalCode": a["postcode"],
                                          "country": a["country"], "phone": p["phone"]}))


# ----------------------------------------------------------------------------------------------
# JSON:API (application/vnd.api+json): the forum's docs CMS, read by its Next.js front end and
# by browsers, comments posted and articles edited.

DOCS = "docs.devhub.example"
DOCS_ARTICLES = ["Getting started with PostgreSQL indexes", "Bash quoting rules, explained",
                 "Securing webhooks with HMAC", "Docker Compose for local development",
                 "Zeitzonen richtig speichern", "Les bases de Git rebase",
                 "CSP nonces with a reverse proxy"]
DOCS_COMMENTS = [
    "<p>Thanks! <code>pg_dump -Fc</code> plus <code>pg_restore -j 4</code> cut our restore "
    "time in half.</p>",
    "<p>Small typo in step 3: it's <code>ALTER TABLE ... ADD COLUMN</code>, not "
    "<code>ADD COLUMNS</code>.</p>",
    "<p>What about <code>SELECT ... FOR UPDATE SKIP LOCKED</code> for the queue example?</p>",
    "<p>Sehr hilfreich, danke! Funktioniert auch mit <code>docker compose</code> v2.</p>",
    "<blockquote><p>Never use <code>eval</code></p></blockquote><p>Agreed, "
    "<code>JSON.parse</code> is enough here.</p>",
    "<p>Merci pour l'article 👍</p>",
]


def jsonapi_query(rng):
    tag = rng.choice(["postgresql", "bash", "docker", "security", "git"])
    params = [("filter[status]", "1"), ("filter[field_tags.name]", tag),
              ("include", "field_tags,uid"),
              ("fields[node--article]", "title,path,created,field_tags,uid"),
              ("fields[taxonomy_term--tags]", "name"), ("page[limit]", "10"),
              ("page[offset]", str(10 * rng.randrange(0, 5))), ("sort", "-created")]
    if rng.random() < 0.5:  # qs.stringify: brackets escaped
        return "&".join(f"{quote(k, safe='')}={quote(val, safe='')}" for k, val in params)
    return "&".join(f"{k}={quote(val, safe=',')}" for k, val in params)


def gen_jsonapi(rng, seed, n):
    accept = "application/vnd.api+json"
    r = rng.random()
    if r < 0.35:  # the Next.js front end rendering pages (undici)
        key = f"{seed}:script:node-ssr:{rng.randrange(4)}"
        h = [("host", DOCS), ("connection", "keep-alive"), ("accept", accept),
             ("accept-language", "*"), ("sec-fetch-mode", "cors"), ("user-agent", "node"),
             ("accept-encoding", "gzip, deflate")]
        if rng.random() < 0.5:
            return key, "query", make_req("GET", "/jsonapi/node/article?" + jsonapi_query(rng), h)
        return key, "none", make_req("GET", f"/jsonapi/node/article/{rand_uuid(rng)}?include="
                                            "field_image,uid", h)
    key, v = pick_visitor(rng, seed, n)
    cookies = [("SESS" + rand_hex(random.Random(key + ":docs"), 32),
                b64url(random.Random(key + ":docs").randbytes(32)))]
    csrf = b64url(random.Random(key + ":docs-csrf").randbytes(32))
    article = rand_uuid(rng)
    ref = origin(DOCS) + "/articles/" + slugify(rng.choice(DOCS_ARTICLES))

    def h_for(ctype=None, extra=()):
        return browser_headers(v, DOCS, mode="cors", dest="empty", accept=accept,
                               site="same-origin", referer=ref,
                               origin_hdr=origin(DOCS) if ctype or extra else None,
                               content_type=ctype, custom=list(extra), cookies=cookies)

    if r < 0.55:
        return key, "query", make_req("GET", "/jsonapi/node/article?" + jsonapi_query(rng),
                                      h_for())
    if r < 0.8:
        body = {"data": {"type": "comment--comment",
                         "attributes": {"subject": rng.choice(["Thanks", "Typo", "Frage",
                                                               "Question on step 3"]),
                                        "comment_body": {"value": rng.choice(DOCS_COMMENTS),
                                                         "format": "basic_html"},
                                        "entity_type": "node", "field_name": "comment"},
                         "relationships": {"entity_id": {"data": {"type": "node--article",
                                                                  "id": article}}}}}
        return key, "json", make_req("POST", "/jsonapi/comment/comment",
                                     h_for(accept, [("X-CSRF-Token", csrf)]), compact(body))
    if r < 0.93:
        title = rng.choice(DOCS_ARTICLES)
        body = {"data": {"type": "node--article", "id": article,
                         "attributes": {"title": title,
                                        "body": {"value": "<h2>Overview</h2><p>Run "
                                                          "<code>EXPLAIN ANALYZE</code> first, "
                                                          "then:</p><pre><code class=\"language-"
                                                          "sql\">CREATE INDEX CONCURRENTLY "
                                                          "idx_orders_customer ON orders "
                                                          "(customer_id, created_at);</code>"
                                                          "</pre>",
                                                 "format": "full_html"}}}}
        return key, "json", make_req("PATCH", f"/jsonapi/node/article/{article}",
                                     h_for(accept, [("X-CSRF-Token", csrf)]), compact(body))
    return key, "none", make_req("DELETE", f"/jsonapi/comment/comment/{rand_uuid(rng)}",
                                 h_for(None, [("X-CSRF-Token", csrf)]))


# ----------------------------------------------------------------------------------------------
# NDJSON: app analytics batches, log shippers, an import.

INGEST = "logs.tasklane.example"


def gen_ndjson(rng, seed, n):
    r = rng.random()
    if r < 0.4:
        key, inst = pick_install(rng, seed, n)
        p = inst["person"]
        ts = (BASE_TS + rng.randrange(0, 30 * 86400)) * 1000
        lines = []
        for _ in range(rng.randrange(2, 9)):
            ts += rng.randrange(300, 90000)
            ev = rng.choice(["screen_view", "search", "add_to_cart", "push_opened", "app_open"])
            props = {"screen": rng.choice(["Home", "Search", "ProductDetail", "Cart"])}
            if ev == "search":
                props["term"] = local(rng, p, "searches")
                props["results"] = rng.randrange(0, 200)
            if ev == "push_opened":
                props["campaign"] = rng.choice(["summer_sale", "back_in_stock", "order_shipped"])
            lines.append(compact({"event": ev, "ts": ts, "session": inst["device_id"][:8],
                                  "props": props, "app": inst["version"],
                                  "locale": p["locale"]}))
        body = "\n".join(lines) + "\n"
        h = app_headers(inst, accept="application/json",
                        content_type="application/x-ndjson")
        path = "/v2/analytics/batch" if inst["host"] == SHOP_MAPI else "/v1/analytics/batch"
        return key, "body", make_req("POST", path, h, body)
    if r < 0.75:  # log shipping
        i = rng.randrange(8)
        key = f"{seed}:script:logship:{i}"
        ts = BASE_TS + rng.randrange(0, 30 * 86400)
        lines = []
        for _ in range(rng.randrange(3, 12)):
            ts += rng.randrange(0, 5)
            k = rng.random()
            if k < 0.5:
                v_person = make_person(rng)
                q = form_urlencode([("q", local(rng, v_person, "searches"))])
                lines.append(compact({"@timestamp": iso_time(ts, rng.randrange(1000)),
                                      "log": {"logger": "nginx.access"},
                                      "client_ip": f"203.0.113.{rng.randrange(1, 255)}",
                                      "method": "GET",
                                      "path": rng.choice([f"/search?{q}", shop.product_path(rng),
                                                          "/api/v1/cart"]),
                                      "status": rng.choice([200, 200, 200, 304, 404]),
                                      "bytes": rng.randrange(200, 90000),
                                      "ua": shop.make_browser(rng)["ua"],
                                      "rt": round(rng.uniform(0.001, 0.8), 3)}))
            elif k < 0.75:
                lines.append(compact({"@timestamp": iso_time(ts, rng.randrange(1000)),
                                      "level": "warn", "logger": "db", "msg": "slow query",
                                      "sql": rng.choice([
                                          "SELECT * FROM orders WHERE customer_id = $1 ORDER BY "
                                          "created_at DESC LIMIT 50",
                                          "UPDATE stock SET available = available - $1 WHERE "
                                          "sku = $2 AND available >= $1",
                                          "SELECT id, title FROM tasks WHERE project_id = $1 "
                                          "UNION ALL SELECT id, title FROM archived_tasks WHERE "
                                          "project_id = $1"]),
                                      "duration_ms": rng.randrange(500, 9000)}))
            else:
                lines.append(compact({"@timestamp": iso_time(ts, rng.randrange(1000)),
                                      "level": "error", "logger": "payments",
                                      "msg": "payment failed",
                                      "order_id": rng.randrange(10400, 10700),
                                      "err": rng.choice(["card_declined", "expired_card",
                                                         "processing_error"]),
                                      "trace_id": rand_hex(rng, 32)}))
        body = "\n".join(lines) + "\n"
        if i % 2 == 0:
            h = [("Host", INGEST), ("Content-Type", "application/x-ndjson"),
                 ("User-Agent", "Fluent-Bit"),
                 ("Authorization",
                  "Basic " + b64(f"shipper:{client_secret(key, '', 24)}".encode()))]
        else:
            h = [("content-type", "application/x-ndjson"),
                 ("user-agent", "Vector/0.38.0 (x86_64-unknown-linux-gnu 5b5f3b1 2024-05-01)"),
                 ("authorization", "Bearer " + client_secret(key, "vt_", 32)),
                 ("accept-encoding", "zstd,gzip,deflate,br"), ("host", INGEST)]
        return key, "body", make_req("POST", "/ingest/v1/logs", h, body)
    key, v = pick_visitor(rng, seed, n)
    lines = [compact({"title": rng.choice(TASK_TITLES),
                      "description": rng.choice(TASK_DESCRIPTIONS),
                      "status": rng.choice(["open", "done"]),
                      "labels": rng.sample(["bug", "i18n", "backend"], 1)})
             for _ in range(rng.randrange(2, 6))]
    h = api_fetch_headers(v, content_type="application/x-ndjson")
    return key, "body", make_req("POST", f"/v1/import?format=ndjson&projectId="
                                         f"{rng.choice(PROJECTS)[0]}", h, "\n".join(lines) + "\n")


# ----------------------------------------------------------------------------------------------
# XML: SOAP 1.1 and 1.2, a cXML purchase order, WebSub feed pushes, a diagram.


def xml_escape(s):
    return (s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


STOCK_NOTES = ["Lieferung von Müller & Söhne", "", "recount after <inventory> audit",
               "réception partielle"]
STOCK_ITEMS = ["Kaffeemühle \u201eClassic\u201c", "Mug, ceramic (350 ml)", 'Chef knife 8"',
               "Tent 2P / 3-season", "Müsli-Schale 4er-Set", "Bouilloire électrique 1,7 L",
               "Yoga mat <extra thick>", "Rock & Roll T-Shirt"]


def gen_xml(rng, seed, n):
    r = rng.random()
    if r < 0.3:  # SOAP 1.1 from the ERP (Java)
        key = f"{seed}:script:erp-soap:{rng.randrange(4)}"
        items = "".join(
            f"\n        <inv:Item>\n          <inv:Sku>SKU-{rng.randrange(10000, 99999)}</inv:Sku>"
            f"\n          <inv:Name>{xml_escape(rng.choice(STOCK_ITEMS))}</inv:Name>\n"
            f"          <inv:Quantity>{rng.randrange(0, 500)}</inv:Quantity>\n"
            f"          <inv:Warehouse>{rng.choice(['BER1', 'AMS2', 'MAD1'])}</inv:Warehouse>\n"
            f"          <inv:Note>{xml_escape(rng.choice(STOCK_NOTES))}</inv:Note>\n"
            "        </inv:Item>" for _ in range(rng.randrange(1, 5)))
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
            'xmlns:inv="http://partners.shop.example.com/inventory/v1">\n'
            "  <soapenv:Header>\n"
            '    <wsse:Security soapenv:mustUnderstand="1" xmlns:wsse="http://docs.oasis-open.org/'
            'wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd">\n'
            "      <wsse:UsernameToken>\n        <wsse:Username>erp-sync</wsse:Username>\n"
            '        <wsse:Password Type="http://docs.oasis-open.org/wss/2004/01/oasis-200401-'
            f'wss-username-token-profile-1.0#PasswordText">{client_secret(key, "", 20)}'
            "</wsse:Password>\n      </wsse:UsernameToken>\n    </wsse:Security>\n"
            "  </soapenv:Header>\n  <soapenv:Body>\n    <inv:UpdateStock>"
            f"{items}\n    </inv:UpdateStock>\n  </soapenv:Body>\n</soapenv:Envelope>\n")
        h = [("Accept-Encoding", "gzip,deflate"), ("Content-Type", "text/xml;charset=UTF-8"),
             ("SOAPAction", '"http://partners.shop.example.com/inventory/v1/UpdateStock"'),
             ("Host", SHOP_PARTNERS), ("Connection", "Keep-Alive"),
             ("User-Agent", "Apache-HttpClient/4.5.14 (Java/17.0.11)")]
        return key, "xml", make_req("POST", "/soap/InventoryService", h, body)
    if r < 0.45:  # SOAP 1.2 from a .NET (WCF) client
        key = f"{seed}:script:wcf:{rng.randrange(3)}"
        action = "http://partners.shop.example.com/orders/IOrderService/GetOrderStatus"
        body = (
            '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" '
            'xmlns:a="http://www.w3.org/2005/08/addressing"><s:Header>'
            f'<a:Action s:mustUnderstand="1">{action}</a:Action>'
            f"<a:MessageID>urn:uuid:{rand_uuid(rng)}</a:MessageID>"
            "<a:ReplyTo><a:Address>http://www.w3.org/2005/08/addressing/anonymous</a:Address>"
            f'</a:ReplyTo><a:To s:mustUnderstand="1">https://{SHOP_PARTNERS}/soap/OrderService.svc'
            '</a:To></s:Header><s:Body><GetOrderStatus xmlns="http://partners.shop.example.com/'
            f'orders"><orderNumber>{rng.randrange(10400, 10700)}</orderNumber><customerRef>'
            f"{xml_escape(rng.choice(['ACME-DE-0042', 'Müller & Söhne', 'O’Reilly Media']))}"
            "</customerRef></GetOrderStatus></s:Body></s:Envelope>")
        h = [("Content-Type", f'application/soap+xml; charset=utf-8; action="{action}"'),
             ("Host", SHOP_PARTNERS), ("Accept-Encoding", "gzip, deflate"),
             ("Connection", "Keep-Alive")]
        return key, "xml", make_req("POST", "/soap/OrderService.svc", h, body)
    if r < 0.6:  # a cXML purchase order from a procurement system (with its DOCTYPE)
        key = f"{seed}:script:cxml:{rng.randrange(3)}"
        p = make_person(rng)
        a = p["address"]
        lines = "".join(
            f'\n      <ItemOut quantity="{rng.randrange(1, 50)}" lineNumber="{i + 1}">\n'
            f"        <ItemID><SupplierPartID>SKU-{rng.randrange(10000, 99999)}</SupplierPartID>"
            f"</ItemID>\n        <ItemDetail>\n          <UnitPrice><Money currency=\"EUR\">"
            f"{rng.randrange(2, 300)}.{rng.randrange(100):02d}</Money></UnitPrice>\n"
            f'          <Description xml:lang="{p["locale"]}">{xml_escape(rng.choice(STOCK_ITEMS))}'
            "</Description>\n          <UnitOfMeasure>EA</UnitOfMeasure>\n        </ItemDetail>"
            "\n      </ItemOut>" for i in range(rng.randrange(1, 5)))
        ts = BASE_TS + rng.randrange(0, 30 * 86400)
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<!DOCTYPE cXML SYSTEM "http://xml.cxml.org/schemas/cXML/1.2.063/cXML.dtd">\n'
            f'<cXML payloadID="{ts}.{rng.randrange(1000, 9999)}@procurement.acme.example" '
            f'timestamp="{iso_time(ts)}" xml:lang="{p["locale"]}">\n'
            "  <Header>\n    <From><Credential domain=\"NetworkID\"><Identity>AN01000012345"
            "</Identity></Credential></From>\n    <To><Credential domain=\"DUNS\"><Identity>"
            "123456789</Identity></Credential></To>\n    <Sender><Credential domain=\"NetworkID\">"
            f"<Identity>AN01000012345</Identity><SharedSecret>{client_secret(key, '', 16)}"
            "</SharedSecret></Credential><UserAgent>Procurement 14.2</UserAgent></Sender>\n"
            "  </Header>\n  <Request deploymentMode=\"production\">\n    <OrderRequest>\n"
            f'      <OrderRequestHeader orderID="PO-2024-{rng.randrange(1000, 9999)}" '
            f'orderDate="{iso_time(ts)}" type="new">\n'
            f'        <Total><Money currency="EUR">{rng.randrange(50, 5000)}.00</Money></Total>\n'
            "        <ShipTo><Address addressID=\"HQ\"><Name xml:lang=\"en\">"
            f"{xml_escape(rng.choice(['Müller & Söhne GmbH', 'ACME Corp.', 'O’Reilly Media']))}"
            f"</Name><PostalAddress><DeliverTo>{xml_escape(p['first'] + ' ' + p['last'])}"
            f"</DeliverTo><Street>{xml_escape(a['line1'])}</Street><City>{xml_escape(a['city'])}"
            f"</City><PostalCode>{a['postcode']}</PostalCode><Country isoCountryCode=\""
            f"{a['country']}\">{a['country']}</Country></PostalAddress></Address></ShipTo>\n"
            f"        <Comments xml:lang=\"{p['locale']}\">"
            f"{xml_escape(rng.choice(ORDER_NOTES))}</Comments>\n"
            f"      </OrderRequestHeader>{lines}\n    </OrderRequest>\n  </Request>\n</cXML>\n")
        h = [("Content-Type", "text/xml; charset=UTF-8"), ("User-Agent", "Java/17.0.11"),
             ("Host", SHOP_PARTNERS),
             ("Accept", "text/html, image/gif, image/jpeg, *; q=.2, */*; q=.2"),
             ("Connection", "keep-alive")]
        return key, "xml", make_req("POST", "/punchout/cxml/order", h, body)
    if r < 0.85:  # WebSub: a supplier's hub pushes the updated feed
        i = rng.randrange(5)
        key = f"{seed}:webhook:websub:{i}"
        items = []
        for _ in range(rng.randrange(1, 4)):
            name = rng.choice(STOCK_ITEMS)
            sku = rng.randrange(10000, 99999)
            pub_date = fmt_http_date(BASE_TS + rng.randrange(0, 2592000)).replace("GMT", "+0000")
            items.append(
                f"    <item>\n      <title>{xml_escape(name)} \u2013 back in stock</title>\n"
                f"      <link>https://supplier{i}.example/products/{sku}</link>\n"
                f"      <guid isPermaLink=\"false\">sku-{sku}-{rng.randrange(100, 999)}</guid>\n"
                f"      <pubDate>{pub_date}</pubDate>\n"
                "      <description><![CDATA[<p><strong>"
                f"{name}</strong> is available again.</p><p><img src=\"https://supplier{i}."
                f"example/img/{sku}.jpg\" alt=\"{name}\" width=\"320\"></p><ul><li>Qty: "
                f"{rng.randrange(10, 900)}</li><li>Price: &euro;{rng.randrange(3, 200)}.99</li>"
                "</ul>]]>"
                "</description>\n    </item>")
        body = ('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
                'xmlns:atom="http://www.w3.org/2005/Atom">\n  <channel>\n'
                f"    <title>Supplier {i} \u2013 stock updates</title>\n"
                f"    <link>https://supplier{i}.example/</link>\n"
                f'    <atom:link href="https://supplier{i}.example/feed.xml" rel="self" '
                'type="application/rss+xml"/>\n'
                f'    <atom:link href="https://hub.supplier{i}.example/" rel="hub"/>\n'
                "    <description>Restocks and new products</description>\n"
                + "\n".join(items) + "\n  </channel>\n</rss>\n")
        sig = hmac_hex(client_secret(key, ""), body, "sha256")
        h = [("Host", SHOP_PARTNERS), ("User-Agent", "WebSub-Hub/1.2 (+https://hub.supplier"
                                                     f"{i}.example)"),
             ("Content-Type", "application/rss+xml; charset=UTF-8"),
             ("Link", f'<https://hub.supplier{i}.example/>; rel="hub", '
                      f'<https://supplier{i}.example/feed.xml>; rel="self"'),
             ("X-Hub-Signature", f"sha256={sig}"), ("Accept-Encoding", "gzip")]
        return key, "xml", make_req("POST", f"/feeds/websub/supplier-{i}", h, body)
    # The SPA saves a diagram (draw.io's XML) attached to a task.
    key, v = pick_visitor(rng, seed, n)
    labels = rng.sample(["Load balancer", "API &lt;br&gt;(3 pods)", "&lt;b&gt;Postgres&lt;/b&gt;",
                         "Redis cache", "Worker: send_email()", "S3 uploads/",
                         "Nutzer &amp; Rollen"], 3)
    cells = "".join(
        f'<mxCell id="{i + 2}" value="{label}" style="rounded=1;whiteSpace=wrap;html=1;" '
        f'vertex="1" parent="1"><mxGeometry x="{40 + 180 * i}" y="{rng.randrange(40, 200)}" '
        'width="140" height="60" as="geometry"/></mxCell>' for i, label in enumerate(labels))
    body = (f'<mxGraphModel dx="{rng.randrange(900, 1600)}" dy="{rng.randrange(600, 900)}" '
            'grid="1" gridSize="10" guides="1" tooltips="1" connect="1" arrows="1" page="1" '
            'pageScale="1" pageWidth="827" pageHeight="1169"><root><mxCell id="0"/><mxCell '
            f'id="1" parent="0"/>{cells}<mxCell id="9" edge="1" source="2" target="3" '
            'parent="1" style="endArrow=classic;html=1;"><mxGeometry relative="1" '
            'as="geometry"/></mxCell></root></mxGraphModel>')
    h = api_fetch_headers(v, content_type="application/xml")
    return key, "xml", make_req("PUT", f"/v1/tasks/{task_key(rng)}/diagram", h, body)


# ----------------------------------------------------------------------------------------------
# Sign-in: OAuth/OIDC redirects and token calls, SAML, magic links, WebAuthn.

CLIENT_ID = "tl_web_7Qp2Kx"
IDP = "idp.corp.example"


def id_token(rng, v, nonce):
    p = v["person"]
    iat = BASE_TS + rng.randrange(0, 30 * 86400)
    return jwt(rng, {"iss": f"https://{AUTH}/", "aud": CLIENT_ID, "sub": v["app"]["user"],
                     "email": p["email"], "email_verified": True,
                     "name": f"{p['first']} {p['last']}", "given_name": p["first"],
                     "family_name": p["last"], "locale": p["locale"],
                     "picture": f"https://cdn.tasklane.example/avatars/{v['app']['user']}.png",
                     "nonce": nonce, "sid": rand_hex(rng, 32), "iat": iat, "exp": iat + 36000},
               kid=rand_str(rng, 22, string.ascii_letters + string.digits + "-_"))


def saml_response(rng, v):
    p = v["person"]
    ts = iso_time(BASE_TS + rng.randrange(0, 30 * 86400))
    rid, aid = "_" + rand_hex(rng, 40), "_" + rand_hex(rng, 40)
    attrs = "".join(
        f'<saml:Attribute Name="{name}" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:'
        f'basic"><saml:AttributeValue xsi:type="xs:string">{xml_escape(value)}'
        "</saml:AttributeValue></saml:Attribute>"
        for name, value in [("email", p["email"]), ("firstName", p["first"]),
                            ("lastName", p["last"]),
                            ("groups", rng.choice(["Engineering", "Vertrieb & Marketing",
                                                   "R&D"]))])
    xml = (
        '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
        f'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="{rid}" Version="2.0" '
        f'IssueInstant="{ts}" Destination="https://{APP}/saml/acs" InResponseTo="_'
        f'{rand_hex(rng, 32)}"><saml:Issuer>https://{IDP}/saml/metadata</saml:Issuer>'
        '<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/>'
        '</samlp:Status><saml:Assertion xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        f'xmlns:xs="http://www.w3.org/2001/XMLSchema" ID="{aid}" Version="2.0" '
        f'IssueInstant="{ts}"><saml:Issuer>https://{IDP}/saml/metadata</saml:Issuer>'
        '<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo>'
        '<ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>'
        '<ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>'
        f'<ds:Reference URI="#{aid}"><ds:Transforms><ds:Transform Algorithm="http://www.w3.org/'
        '2000/09/xmldsig#enveloped-signature"/><ds:Transform Algorithm="http://www.w3.org/2001/10/'
        'xml-exc-c14n#"/></ds:Transforms><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/'
        f'xmlenc#sha256"/><ds:DigestValue>{b64(rng.randbytes(32))}</ds:DigestValue>'
        f"</ds:Reference></ds:SignedInfo><ds:SignatureValue>{b64(rng.randbytes(256))}"
        "</ds:SignatureValue><ds:KeyInfo><ds:X509Data><ds:X509Certificate>"
        f"{b64(rng.randbytes(720))}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>"
        "</ds:Signature><saml:Subject><saml:NameID Format=\"urn:oasis:names:tc:SAML:1.1:nameid-"
        f'format:emailAddress">{xml_escape(p["email"])}</saml:NameID><saml:SubjectConfirmation '
        'Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData '
        f'NotOnOrAfter="{ts}" Recipient="https://{APP}/saml/acs"/></saml:SubjectConfirmation>'
        f'</saml:Subject><saml:Conditions NotBefore="{ts}" NotOnOrAfter="{ts}"><saml:'
        f"AudienceRestriction><saml:Audience>https://{APP}/saml/metadata</saml:Audience>"
        "</saml:AudienceRestriction></saml:Conditions><saml:AuthnStatement AuthnInstant="
        f'"{ts}" SessionIndex="{aid}"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:'
        "names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef>"
        "</saml:AuthnContext></saml:AuthnStatement><saml:AttributeStatement>"
        f"{attrs}</saml:AttributeStatement></saml:Assertion></samlp:Response>")
    return b64(xml.encode("utf-8"))


def gen_auth(rng, seed, n):
    key, v = pick_visitor(rng, seed, n)
    p = v["person"]
    r = rng.random()
    state = b64url(compact({"returnTo": app_page(rng, v)[0], "nonce": rand_hex(rng, 16)})
                   .encode())
    nonce = b64url(rng.randbytes(24))

    def nav(host, target, site, ref, method="GET", body=None, cookies=None, ctype=None,
            origin_hdr=None):
        h = browser_headers(v, host, mode="navigate", dest="document", accept=accept_page(v),
                            site=site, referer=ref, cookies=cookies, content_type=ctype,
                            origin_hdr=origin_hdr, reload=method == "POST")
        return make_req(method, target, h, body)

    if r < 0.18:  # back from Google to NextAuth's callback
        code = "4/0A" + rand_str(rng, 70, string.ascii_letters + string.digits + "-_")
        scope = ("email profile https://www.googleapis.com/auth/userinfo.profile openid "
                 "https://www.googleapis.com/auth/userinfo.email")
        target = (f"/api/auth/callback/google?state={b64url(rng.randbytes(32))}&code="
                  f"{quote(code, safe='')}&scope={quote_plus(scope)}&authuser=0&prompt="
                  f"{rng.choice(['none', 'consent'])}")
        return key, "query", nav(APP, target, "cross-site", "https://accounts.google.com/",
                                 cookies=v["app"]["cookies"][:2])
    if r < 0.32:  # the authorization request, with PKCE
        target = "/authorize?" + urlencode([
            ("response_type", "code"), ("client_id", CLIENT_ID),
            ("redirect_uri", f"https://{APP}/auth/callback"),
            ("scope", "openid profile email offline_access"), ("state", state),
            ("nonce", nonce), ("code_challenge", b64url(rng.randbytes(32))),
            ("code_challenge_method", "S256"), ("ui_locales", p["locale"]),
            ("login_hint", p["email"])], quote_via=quote)
        return key, "query", nav(AUTH, target, "same-site", origin(APP) + "/")
    if r < 0.46:  # the code for tokens (the SPA's fetch, or an app refreshing)
        if rng.random() < 0.6:
            body = form_urlencode([("grant_type", "authorization_code"), ("client_id", CLIENT_ID),
                                   ("code", rand_str(rng, 43, string.ascii_letters + string.digits
                                                     + "-_")),
                                   ("redirect_uri", f"https://{APP}/auth/callback"),
                                   ("code_verifier", b64url(rng.randbytes(32)))])
            h = browser_headers(v, AUTH, mode="cors", dest="empty", accept="*/*",
                                site="same-site", referer=origin(APP) + "/",
                                origin_hdr=origin(APP),
                                content_type="application/x-www-form-urlencoded;charset=UTF-8")
            return key, "form", make_req("POST", "/oauth/token", h, body)
        ikey, inst = pick_install(rng, seed, n)
        body = form_urlencode([("grant_type", "refresh_token"), ("client_id", "tl_mobile_2Vx9"),
                               ("refresh_token", inst["refresh"])])
        h = app_headers(inst, content_type="application/x-www-form-urlencoded")
        h = [(k, AUTH if k.lower() == "host" else val) for k, val in h
             if k.lower() != "authorization"]
        return ikey, "form", make_req("POST", "/oauth/token", h, body)
    if r < 0.58:  # response_mode=form_post: the tokens come back in an auto-submitted form
        body = form_urlencode([("code", rand_str(rng, 43, string.ascii_letters + string.digits
                                                 + "-_")),
                               ("id_token", id_token(rng, v, nonce)), ("state", state),
                               ("session_state", f"{rand_uuid(rng)}.{rand_str(rng, 16)}")])
        return key, "form", nav(APP, "/auth/callback", "same-site", origin(AUTH) + "/",
                                method="POST", body=body, cookies=v["app"]["cookies"][:2],
                                ctype="application/x-www-form-urlencoded",
                                origin_hdr=origin(AUTH))
    if r < 0.66:  # sign-out: the id_token in the query
        target = "/oidc/logout?" + urlencode([
            ("id_token_hint", id_token(rng, v, nonce)),
            ("post_logout_redirect_uri", f"https://{APP}/"), ("state", state),
            ("client_id", CLIENT_ID)])
        return key, "query", nav(AUTH, target, "same-site", origin(APP) + "/settings/profile")
    if r < 0.78:  # SAML from the company's identity provider
        body = form_urlencode([("SAMLResponse", saml_response(rng, v)),
                               ("RelayState", app_page(rng, v)[0])])
        return key, "form", nav(APP, "/saml/acs", "cross-site", f"https://{IDP}/",
                                method="POST", body=body, ctype="application/x-www-form-urlencoded",
                                origin_hdr=f"https://{IDP}")
    if r < 0.88:  # the shop's magic sign-in link and e-mail verification
        token = jwt(rng, {"sub": p["email"], "purpose": rng.choice(["login", "verify_email"]),
                          "iat": BASE_TS, "exp": BASE_TS + 900}, alg="HS256")
        target = rng.choice([f"/account/magic-login?token={token}&email={quote(p['email'])}",
                             f"/account/verify-email?token={token}",
                             f"/account/magic-login?t={b64url(rng.randbytes(48))}"])
        return key, "query", nav(SHOP, target, "cross-site", None)
    if r < 0.94:  # the reset form
        token = b64url(rng.randbytes(32))
        pw = password(rng)
        body = form_urlencode(csrf_field(rng, v) + [("token", token), ("password", pw),
                                                     ("password_confirmation", pw)])
        return key, "form", nav(SHOP, "/account/password/reset", "same-origin",
                                origin(SHOP) + f"/account/password/reset?token={token}",
                                method="POST", body=body, cookies=v["shop"]["cookies"],
                                ctype="application/x-www-form-urlencoded",
                                origin_hdr=origin(SHOP))
    # WebAuthn: the assertion, base64url everywhere.
    client_data = b64url(compact({"type": "webauthn.get",
                                  "challenge": b64url(rng.randbytes(32)),
                                  "origin": origin(APP), "crossOrigin": False}).encode())
    body = compact({"id": b64url(rng.randbytes(32)), "rawId": b64url(rng.randbytes(32)),
                    "type": "public-key",
                    "response": {"clientDataJSON": client_data,
                                 "authenticatorData": b64url(rng.randbytes(37)),
                                 "signature": b64url(rng.randbytes(71)),
                                 "userHandle": b64url(v["app"]["user"].encode())},
                    "clientExtensionResults": {}, "authenticatorAttachment": "platform"})
    h = browser_headers(v, APP, mode="cors", dest="empty", accept="application/json",
                        site="same-origin", referer=origin(APP) + "/login",
                        origin_hdr=origin(APP), content_type="application/json",
                        cookies=v["app"]["cookies"][:1])
    return key, "json", make_req("POST", "/api/auth/webauthn/verify", h, body)


# ----------------------------------------------------------------------------------------------
# Health checks and uptime monitors.

MONITORS = [
    ("curl", lambda host: [("Host", host), ("User-Agent", "curl/8.5.0"), ("Accept", "*/*")]),
    ("kube-probe", lambda host: [("Host", host), ("User-Agent", "kube-probe/1.29"),
                                 ("Accept", "*/*"), ("Connection", "close")]),
    ("elb", lambda host: [("Host", host), ("Connection", "close"),
                          ("User-Agent", "ELB-HealthChecker/2.0"),
                          ("Accept-Encoding", "gzip, compressed")]),
    ("googlehc", lambda host: [("Host", host), ("User-Agent", "GoogleHC/1.0"),
                               ("Connection", "Keep-alive")]),
    ("uptime-kuma", lambda host: [("Accept", "*/*"), ("User-Agent", "Uptime-Kuma/1.23.13"),
                                  ("Accept-Encoding", "gzip, compress, deflate, br"),
                                  ("Host", host), ("Connection", "keep-alive")]),
    ("blackbox", lambda host: [("Host", host), ("User-Agent", "Blackbox Exporter/0.25.0"),
                               ("Accept-Encoding", "gzip")]),
    ("pingdom", lambda host: [("Host", host), ("User-Agent", "Pingdom.com_bot_version_1.4_("
                                                             "http://www.pingdom.com/)"),
                              ("Accept", "*/*"), ("Connection", "close")]),
    ("consul", lambda host: [("Host", host), ("User-Agent", "Consul Health Check"),
                             ("Accept", "text/plain, text/*, */*"),
                             ("Accept-Encoding", "gzip")]),
    ("datadog", lambda host: [("Host", host), ("User-Agent", "Datadog Agent/7.54.0"),
                              ("Accept-Encoding", "gzip, deflate"), ("Accept", "*/*"),
                              ("Connection", "keep-alive")]),
]
HEALTH_TARGETS = [(SHOP, "/healthz"), (SHOP, "/"), (SHOP_MAPI, "/v2/health"),
                  (FORUM, "/srv/status"), (FORUM, "/"), (APP, "/api/health"),
                  (API, "/healthz?full=1"), (API, "/readyz"),
                  (AUTH, "/.well-known/openid-configuration"), (INGEST, "/ping"),
                  (SHOP_PARTNERS, "/soap/InventoryService?wsdl"), (DOCS, "/jsonapi")]


INTERNAL_PROBES = ("kube-probe", "elb", "googlehc", "consul", "blackbox")
HEALTH_PATHS = ("/healthz", "/v2/health", "/srv/status", "/api/health", "/healthz?full=1",
                "/readyz", "/ping")


def gen_health(rng, seed, n):
    m = rng.randrange(len(MONITORS))
    name, headers = MONITORS[m]
    targets = [i for i, (_, path) in enumerate(HEALTH_TARGETS)
               if name not in INTERNAL_PROBES or path in HEALTH_PATHS]
    t = rng.choice(targets)
    host, path = HEALTH_TARGETS[t]
    key = f"{seed}:monitor:{name}:{t}"
    method = "HEAD" if name in ("uptime-kuma", "pingdom") and path == "/" else "GET"
    return key, "none", make_req(method, path, headers(host))


# ----------------------------------------------------------------------------------------------
# The mix, and the file.

# Shares like a real site's: mostly page, asset and XHR GETs, then a real share of POSTs with
# all kinds of bodies, the apps, scripts and monitors.
KINDS = [
    ("page", gen_page, 20), ("asset", gen_asset, 18), ("xhr", gen_xhr, 11),
    ("conditional", gen_conditional, 4), ("range", gen_range, 1.5),
    ("preflight", gen_preflight, 3), ("json", gen_json, 6), ("form", gen_form, 4),
    ("multipart", gen_multipart, 2.5), ("graphql", gen_graphql, 6),
    ("protobuf", gen_protobuf, 2.5), ("text", gen_text, 1.5), ("beacon", gen_beacon, 5),
    ("csp-report", gen_csp, 1.5), ("api", gen_api, 5), ("rest", gen_rest, 2.5),
    ("jsonapi", gen_jsonapi, 1.5), ("ndjson", gen_ndjson, 1), ("xml", gen_xml, 1.5),
    ("auth", gen_auth, 2), ("health-check", gen_health, 2),
]

MAX_REQUEST_BYTES = 16 * 1024


def split_of(client_key):
    """About 30 % of the clients are held out, by a hash of the client."""
    h = int.from_bytes(hashlib.sha256(client_key.encode()).digest()[:4], "big")
    return "holdout" if h % 100 < 30 else "tune"


def wire_size(req):
    body = (base64.b64decode(req["body_base64"]) if "body_base64" in req
            else req.get("body", "").encode("utf-8"))
    head = f"{req['method']} {req['target']} HTTP/1.1\r\n" + "".join(
        f"{k}: {val}\r\n" for k, val in req["headers"]) + "Content-Length: 0000\r\n\r\n"
    return len(head.encode("utf-8")) + len(body)


def generate(count, seed):
    """Request n has a generator of its own (seed and n), so it does not depend on count."""
    out = []
    seq = {kind: 0 for kind, _, _ in KINDS}
    weights = [w for _, _, w in KINDS]
    for n in range(count):
        rng = random.Random(f"{seed}:request:{n}")
        kind, fn, _ = rng.choices(KINDS, weights=weights)[0]
        client, placement, req = fn(rng, seed, n)
        seq[kind] += 1
        rec = {"id": f"tr-{kind}-{seq[kind]:04d}", "kind": kind, "expect": "pass",
               "category": kind, "placement": placement, "split": split_of(client)}
        rec.update(req)
        if wire_size(rec) > MAX_REQUEST_BYTES:
            sys.exit(f"{rec['id']}: {wire_size(rec)} bytes on the wire, over "
                     f"{MAX_REQUEST_BYTES}")
        out.append(rec)
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--count", type=int, default=5000, help="requests to write (default 5000)")
    p.add_argument("--seed", type=int, default=13, help="random seed (default 13)")
    p.add_argument("--out", default=os.path.join(HERE, "traffic.jsonl"))
    args = p.parse_args()
    reqs = generate(args.count, args.seed)
    with open(args.out, "w", encoding="utf-8", newline="\n") as f:
        for r in reqs:
            f.write(json.dumps(r, ensure_ascii=False, separators=(", ", ": ")) + "\n")
    print(f"{args.out}: {len(reqs)} requests", file=sys.stderr)


if __name__ == "__main__":
    main()
