#!/usr/bin/perl
# make-test-mmdb.pl: builds small MaxMind DB (.mmdb) files with the record layout of MaxMind's
# GeoLite2 Country, City and ASN databases, for rampart's tests and for trying GeoIP rules
# without a MaxMind account. Needs MaxMind::DB::Writer (Debian: libmaxmind-db-writer-perl).
#
#   make-test-mmdb.pl --type Country|City|ASN --out FILE.mmdb [options] ENTRY...
#
# ENTRY is CIDR=VALUE (a plain address is a /32 or /128):
#   Country, City  192.0.2.0/24=DE            country and registered_country DE
#                  198.51.100.0/24=registered:FR   registered_country only (as MaxMind records
#                                             anycast and satellite networks)
#   ASN            198.51.100.0/24=64500:Example Net   number and organisation
#                  203.0.113.0/24=64501       number only
#
# Options:
#   --ip-version 4|6      the tree's address family (default 6, with IPv4 in ::/96 and the
#                         IPv4-mapped, Teredo and 6to4 ranges aliased to it, as MaxMind's are)
#   --database-type NAME  metadata database_type (default GeoLite2-Country, -City or -ASN)
#
# Reserved ranges (127.0.0.0/8, 10.0.0.0/8, the documentation ranges 192.0.2.0/24 and
# 2001:db8::/32, ...) are accepted: the writer's default drops them silently, which is the
# opposite of what a test wants. Later entries win where they overlap. The file is written
# beside FILE and renamed over it, so a process watching FILE never sees half a database.
# Exit status: 0 written, 1 bad input or write error, 2 usage.

use strict;
use warnings;

use Encode ();
use File::Basename qw(basename);
use Getopt::Long qw(GetOptions);
use Socket qw(AF_INET AF_INET6 inet_pton);

my $prog = basename($0);

sub usage {
    my ($message) = @_;
    print STDERR "$prog: $message\n" if defined $message;
    print STDERR "usage: $prog --type Country|City|ASN --out FILE.mmdb"
        . " [--ip-version 4|6] [--database-type NAME] CIDR=VALUE...\n";
    exit 2;
}

sub fail {
    my ($message) = @_;
    chomp $message;
    print STDERR "$prog: $message\n";
    exit 1;
}

my ( $type, $out, $database_type );
my $ip_version = 6;
GetOptions(
    'type=s'          => \$type,
    'out=s'           => \$out,
    'ip-version=i'    => \$ip_version,
    'database-type=s' => \$database_type,
    'help'            => sub { usage() },
) or usage();
usage('--type is required') unless defined $type;
usage("--type must be Country, City or ASN, not '$type'") unless $type =~ /^(?:Country|City|ASN)$/;
usage('--out is required') unless defined $out && length $out;
usage("--ip-version must be 4 or 6, not '$ip_version'") unless $ip_version == 4 || $ip_version == 6;
usage('--database-type must not be empty') if defined $database_type && !length $database_type;
$database_type //= "GeoLite2-$type";

# Loaded here rather than with `use` so that a missing module gets a message saying what to
# install instead of a page of @INC.
eval { require MaxMind::DB::Writer::Tree; 1 }
    or fail('needs the Perl module MaxMind::DB::Writer::Tree'
        . ' (Debian/Ubuntu: apt install libmaxmind-db-writer-perl)');

# "192.0.2.0/24" or "2001:db8::1": returns the network in CIDR form; dies on anything else,
# including set host bits (a typo more often than an intent in a test fixture).
sub parse_network {
    my ($text) = @_;
    my ( $address, $length ) = $text =~ m{^([^/]+)(?:/(\d{1,3}))?$}
        or die "not a CIDR: '$text'\n";
    my $v6     = $address =~ /:/;
    my $packed = inet_pton( $v6 ? AF_INET6 : AF_INET, $address );
    die "not an IP address: '$address'\n" unless defined $packed;
    my $bits = $v6 ? 128 : 32;
    $length //= $bits;
    die "prefix length $length is out of range for '$address' (0-$bits)\n" if $length > $bits;
    die "'$text' has host bits set past the /$length prefix\n"
        if substr( unpack( 'B*', $packed ), $length ) =~ /1/;
    die "'$text' is IPv6 but --ip-version is 4\n" if $v6 && $ip_version == 4;
    return "$address/$length";
}

sub country {
    my ($code) = @_;
    return { iso_code => $code, names => { en => "Country $code" } };
}

# The record for VALUE, in the layout of MaxMind's database of this type.
sub record {
    my ($value) = @_;
    if ( $type eq 'ASN' ) {
        my ( $number, $org ) = $value =~ /^(\d{1,10})(?::(.*))?$/s
            or die "ASN value must be NUMBER or NUMBER:Organisation, not '$value'\n";
        die "AS number $number is out of range (1-4294967295)\n"
            if $number == 0 || $number > 4294967295;
        my %record = ( autonomous_system_number => $number + 0 );
        $record{autonomous_system_organization} = $org if defined $org && length $org;
        return \%record;
    }
    my ( $registered_only, $code ) = $value =~ /^(registered:)?([A-Za-z]{2})$/
        or die "$type value must be a two-letter ISO country code"
        . " (or registered:CODE), not '$value'\n";
    $code = uc $code;
    my %record = ( registered_country => country($code) );
    $record{country} = country($code) unless $registered_only;
    $record{city} = { names => { en => 'Test City' } } if $type eq 'City';
    return \%record;
}

my %key_types = (
    autonomous_system_number       => 'uint32',
    autonomous_system_organization => 'utf8_string',
    city                           => 'map',
    country                        => 'map',
    en                             => 'utf8_string',
    iso_code                       => 'utf8_string',
    names                          => 'map',
    registered_country             => 'map',
);

my $tree = MaxMind::DB::Writer::Tree->new(
    ip_version               => $ip_version,
    record_size              => 24,
    database_type            => $database_type,
    languages                => ['en'],
    description              => { en => "rampart test database ($database_type layout)" },
    alias_ipv6_to_ipv4       => $ip_version == 6 ? 1 : 0,
    remove_reserved_networks => 0,
    map_key_type_callback    => sub { $key_types{ $_[0] } // die "no MMDB type for key $_[0]\n" },
);

usage('no entries given') unless @ARGV;
for my $entry (@ARGV) {
    my $ok = eval {
        # Arguments arrive as bytes; the writer encodes character strings to UTF-8 itself.
        my $text = Encode::decode( 'UTF-8', $entry, Encode::FB_CROAK | Encode::LEAVE_SRC );
        my ( $cidr, $value ) = $text =~ /^([^=]+)=(.*)$/s
            or die "expected CIDR=VALUE\n";
        $tree->insert_network( parse_network($cidr), record($value) );
        1;
    };
    next if $ok;
    my $error = $@ || 'unknown error';
    $error =~ s/ at \S+ line \d+\.?\n?$//;    # the writer's croaks carry its own source line
    chomp $error;
    fail("entry '$entry': $error");
}

my $tmp = "$out.tmp.$$";
my $written = eval {
    open my $fh, '>:raw', $tmp or die "cannot write $tmp: $!\n";
    $tree->write_tree($fh);
    close $fh or die "cannot write $tmp: $!\n";
    rename $tmp, $out or die "cannot rename $tmp to $out: $!\n";
    1;
};
if ( !$written ) {
    my $error = $@ || 'unknown error';
    unlink $tmp;
    fail($error);
}
exit 0;
