#!/usr/bin/env bash
# Build attune's benign-world corpus: real everyday command lines taken from
# what pinned Debian 12 packages ship (man pages, shell scripts, doc examples).
#
#   tools/dev/benign_world/build.sh            # writes data/benign_world/commands.tsv
#
# Input : data/benign_world/packages.txt   (<package> <version> <train|heldout>)
# Output: data/benign_world/commands.tsv   (package, version, source, text)
#
# The .deb files of exactly the pinned versions are fetched with
# `apt-get download` and unpacked with `dpkg-deb -x` into a scratch dir, so the
# result does not depend on what is installed here, nor on dpkg path-exclude
# rules that drop /usr/share/man in container images.  Nothing is installed
# unless BW_INSTALL=1 (then the pinned packages are also apt-get installed).
# Only bash, apt/dpkg, groff (groff-base), gzip, mawk and coreutils are used.
#
# Environment knobs (all optional):
#   BW_WORK=dir     keep downloads/unpacked trees/rendered pages in dir and reuse
#                   them on the next run (default: a fresh mktemp dir, removed)
#   BW_OUT=file     output path (default data/benign_world/commands.tsv)
#   BW_INSTALL=1    also `apt-get install` the pinned packages if missing
#   BW_PKG_CAP=N    per-package line cap (default 2000, see README)
#   BW_ECHO_CAP=N   echo/printf lines kept per script or doc file (default 10)
#   BW_PACKAGES=f   alternative package list (experiments only)
set -euo pipefail
export LC_ALL=C LANG=C TZ=UTC
umask 022

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../../.." && pwd)
DATA=$REPO/data/benign_world
PKGS=${BW_PACKAGES:-$DATA/packages.txt}   # override only for experiments
OUT=${BW_OUT:-$DATA/commands.tsv}
PKG_CAP=${BW_PKG_CAP:-2000}       # max lines per package, ~15 % of the corpus (see README)
ECHO_CAP=${BW_ECHO_CAP:-10}      # max echo/printf lines per script or doc file
AWK=mawk                       # Priority: required in Debian; fixed for reproducibility
command -v "$AWK" >/dev/null || AWK=awk

log()  { printf '[benign_world] %s\n' "$*" >&2; }
warn() { printf '[benign_world] WARNING: %s\n' "$*" >&2; }
die()  { printf '[benign_world] ERROR: %s\n' "$*" >&2; exit 1; }

SUDO=
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null && SUDO=sudo
fi

t0=$(date +%s)
[ -r "$PKGS" ] || die "missing $PKGS"

# ---------------------------------------------------------------- tools ----
need_tools=()
command -v groff    >/dev/null || need_tools+=(groff-base)
command -v dpkg-deb >/dev/null || need_tools+=(dpkg)
command -v apt-get  >/dev/null || die "apt-get is required"
if [ ${#need_tools[@]} -gt 0 ]; then
  log "installing build tools: ${need_tools[*]}"
  $SUDO apt-get install -y --no-install-recommends "${need_tools[@]}" >&2 \
    || die "could not install ${need_tools[*]} (try: apt-get update)"
fi

# Informational: man pages excluded from installs on this machine?
if grep -qs '^path-exclude.*/usr/share/man' /etc/dpkg/dpkg.cfg.d/* 2>/dev/null; then
  log "note: dpkg path-exclude drops /usr/share/man here; irrelevant, pages are read from the .deb files"
fi

# ------------------------------------------------------------ workspace ----
if [ -n "${BW_WORK:-}" ]; then
  WORK=$BW_WORK; mkdir -p "$WORK"
else
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/benign_world.XXXXXX")
  trap 'rm -rf "$WORK"' EXIT
fi
mkdir -p "$WORK/debs" "$WORK/root" "$WORK/ctrl" "$WORK/stamp" "$WORK/render" "$WORK/awk"

# --------------------------------------------------------- package list ----
# -> $WORK/pins: "<pkg> <pinned version> <split>", comments/blank lines dropped
grep -v '^[[:space:]]*#' "$PKGS" | "$AWK" 'NF {
  if (NF != 3 || ($3 != "train" && $3 != "heldout")) { print "bad line: " $0 > "/dev/stderr"; exit 1 }
  print $1, $2, $3 }' > "$WORK/pins"
sort -c -k1,1 "$WORK/pins" 2>/dev/null || warn "packages.txt is not sorted by package name"
npk=$(wc -l < "$WORK/pins")
log "$npk pinned packages"

# ---------------------------------------------- download + unpack (.deb) ----
: > "$WORK/versions"           # "<pkg> <actual version> <split>"
apt_updated=0
while read -r pkg ver split; do
  deb=$(ls "$WORK/debs/${pkg}_"*.deb 2>/dev/null | head -n 1 || true)
  if [ -n "$deb" ] && [ "$(dpkg-deb -f "$deb" Version)" != "$ver" ]; then rm -f "$deb"; deb=; fi
  if [ -z "$deb" ]; then
    ( cd "$WORK/debs" && apt-get download -q "$pkg=$ver" >/dev/null 2>&1 ) || {
      if [ $apt_updated = 0 ]; then
        log "apt-get download $pkg=$ver failed; running apt-get update once"
        $SUDO apt-get update -qq >&2 || true; apt_updated=1
      fi
      ( cd "$WORK/debs" && apt-get download -q "$pkg=$ver" >/dev/null 2>&1 ) || {
        warn "$pkg=$ver is not downloadable any more; using the current candidate instead"
        ( cd "$WORK/debs" && apt-get download -q "$pkg" >/dev/null 2>&1 ) || die "cannot download $pkg"
      }
    }
    deb=$(ls "$WORK/debs/${pkg}_"*.deb | head -n 1)
  fi
  actual=$(dpkg-deb -f "$deb" Version)
  [ "$actual" = "$ver" ] || warn "$pkg: pinned $ver, used $actual (recorded in commands.tsv; update packages.txt, gen-data rejects a version that differs from its pin)"
  inst=$(dpkg-query -W -f='${db:Status-Abbrev}|${Version}' "$pkg" 2>/dev/null || true)
  case "$inst" in
    ii*) [ "${inst#*|}" = "$actual" ] || log "note: $pkg installed here is ${inst#*|} (corpus uses $actual from the .deb)";;
    *)   if [ "${BW_INSTALL:-0}" = 1 ]; then
           log "installing $pkg=$actual"
           $SUDO apt-get install -y --no-install-recommends "$pkg=$actual" >&2 || warn "install of $pkg failed"
         fi;;
  esac
  if [ ! -e "$WORK/stamp/$pkg" ] || [ "$(cat "$WORK/stamp/$pkg")" != "$actual" ]; then
    rm -rf "$WORK/root/$pkg" "$WORK/ctrl/$pkg" "$WORK/render/$pkg"; mkdir -p "$WORK/root/$pkg" "$WORK/ctrl/$pkg"
    dpkg-deb -x "$deb" "$WORK/root/$pkg"
    dpkg-deb -e "$deb" "$WORK/ctrl/$pkg"
    printf '%s\n' "$actual" > "$WORK/stamp/$pkg"
  fi
  printf '%s %s %s\n' "$pkg" "$actual" "$split" >> "$WORK/versions"
done < "$WORK/pins"

# ------------------------------------------------------ executable names ----
# A line is kept only if its first word (after `sudo`/VAR=value prefixes) is a
# command: an executable shipped in a pinned package, the name of a section
# 1/6/8 man page of a pinned package, a bash builtin, or one of a few common
# commands from packages outside the list.
{
  for pkg in $(cut -d' ' -f1 "$WORK/pins"); do
    r=$WORK/root/$pkg
    for d in bin sbin usr/bin usr/sbin usr/games; do
      [ -d "$r/$d" ] && find "$r/$d" -maxdepth 1 \( -type f -o -type l \) -printf '%f\n'
    done
    find "$r" -path '*/man/man[168]*/*' ! -path '*/man/*/man[0-9]*/*' \( -type f -o -type l \) -printf '%f\n' \
      | sed -n -e 's/\.gz$//' -e 's/\.[168]$//p'   # plain sections only (not 1ssl, 8postfix, ...)
  done
  # bash builtins that are used as commands (enable/help/bind/... omitted:
  # as first words they are mostly config or interactive-prompt syntax)
  printf '%s\n' alias bg cd command declare dirs disown echo eval exec export fg hash \
    history jobs kill popd printf pushd pwd read readonly set shopt source test time trap \
    type ulimit umask unalias unset wait
  # common commands from packages outside the list (documented in README)
  printf '%s\n' awk cc c++ g++ gcc clang perl python python3 ruby sh dash vi vim view editor \
    pager node go java javac docker deb-systemd-helper deb-systemd-invoke update-rc.d invoke-rc.d \
    ucf ucfr
} | grep -v -x -e '' -e '\[' -e '\[\[' | sort -u > "$WORK/execs"
log "$(wc -l < "$WORK/execs") command names"

# ============================================================ awk programs ==
# man.awk: rendered man page or info manual -> candidates
#   "pkg \t source \t mode \t text", where mode is
#   p = line after a shell prompt ($ / # / % / user@host$ ...), any section;
#   u = unprompted line in an EXAMPLES section;
#   o = unprompted line of a literal display (a block indented deeper than
#       the text before it) in any other section / in an info manual;
#   s = concrete form derived from a SYNOPSIS line (optional groups dropped).
# In a block that has prompted command lines, the unprompted lines are output.
cat > "$WORK/awk/man.awk" <<'AWK'
BEGIN {
  FS = "\n"
  while ((getline w < execs) > 0) isexec[w] = 1
  close(execs)
  plain = (kind == "info" || kind == "text")
  sec = plain ? "other" : ""; nb = 0; nsyn = 0; lastind = 0; fence = 0; fb = 0
}
function firstcmd(s,   a, n, i, w) {
  n = split(s, a, " ")
  for (i = 1; i <= n; i++) {
    w = a[i]
    if (w == "sudo" || w ~ /^[A-Za-z_][A-Za-z0-9_]*=/) continue
    if (w ~ /^(\/|\.\/)/) { sub(/.*\//, "", w) }
    return w
  }
  return ""
}
function iscmd(s) { return (firstcmd(s) in isexec) }
# strip a shell prompt; returns "" if the line has none
function unprompt(s) {
  if (s ~ /^[$#%] +[^ ]/) { sub(/^[$#%] +/, "", s); return s }
  if (s ~ /^[^ $#]*[@:~][^ $#]*[$#] +[^ ]/) { sub(/^[^ ]*[$#] +/, "", s); return s }       # user@host:~$
  if (s ~ /^\[[^]]*\] *[$#] +[^ ]/) { sub(/^\[[^]]*\] *[$#] +/, "", s); return s }           # [root@host ~]#
  if (s ~ /^\([A-Za-z0-9_.-]+\) *[$#] +[^ ]/) { sub(/^\([^)]*\) *[$#] +/, "", s); return s } # (bash)# / (venv) $
  return ""
}
function emit(mode, s) {
  gsub(/\001/, "", s)
  print pkg "\t" src "\t" mode "\t" s
}
function flushblock(   i, s, t, n, hasp, P, T, TL, LF, mind, lit, cl, lp, nc, no, okl) {
  if (nb == 0) { fb = 0; return }
  if (sec == "skip") { nb = 0; fb = 0; return }
  mind = 1000
  for (i = 1; i <= nb; i++) if (BI[i] < mind) mind = BI[i]
  lit = (mind > lastind) || fb
  # inside a text block, lines indented deeper right after a line ending in
  # ":" ("Example:") are a literal display too
  cl = 0; lp = -1
  for (i = 1; i <= nb; i++) {
    LF[i] = 0
    if (cl && BI[i] >= cl) LF[i] = 1
    else {
      cl = 0
      if (i > 1 && !LF[i-1] && B[i-1] ~ /:$/ && BI[i] > BI[i-1]) { cl = BI[i]; LF[i] = 1 }
    }
    if (!LF[i]) lp = BI[i]
  }
  # join backslash continuations
  n = 0
  for (i = 1; i <= nb; i++) {
    s = B[i]; TL[n + 1] = LF[i]
    while (i < nb && (s ~ /\\ *$/ || s ~ /(\||&&) *$/)) {   # backslash or trailing | && || continues
      if (s ~ /\\ *$/) sub(/\\ *$/, " ", s); else s = s " "
      i++; t = B[i]; s = s t
    }
    n++; T[n] = s
  }
  hasp = 0; nc = 0; no = 0
  for (i = 1; i <= n; i++) {
    t = unprompt(T[i]); P[i] = t
    if (t != "" && iscmd(t)) hasp = 1
    if (lit || TL[i]) { no++; if (iscmd(T[i])) nc++ }
  }
  # a literal display where most lines do not start with a command is a
  # config file / data / output listing (unless it opens with a command, like
  # "jq .foo" followed by its input and output): take nothing unprompted from it
  okl = (2 * nc >= no) || iscmd(T[1])
  for (i = 1; i <= n; i++) {
    if (hasp) { if (P[i] != "" && iscmd(P[i])) emit("p", P[i]) }
    else if (sec == "ex") emit("u", T[i])
    else if ((lit || TL[i]) && okl) emit("o", T[i])
  }
  if (!lit && !hasp && lp >= 0) lastind = lp
  fb = 0
  nb = 0
}
function flushsyn(   s, prev) {
  if (nsyn == 0) return
  s = SY; nsyn = 0
  # drop optional groups [...] (innermost first)
  do { prev = s; gsub(/\[[^][]*\]/, "", s) } while (s != prev)
  if (s ~ /[][{}|<>\001]/ || s ~ /\.\.\./) return
  if (s ~ /(^| )[A-Z][A-Z0-9_-]+( |$)/) return          # FILE, OPTION, ...
  gsub(/  +/, " ", s); sub(/^ /, "", s); sub(/ $/, "", s)
  if (iscmd(s)) emit("s", s)
}
{
  line = $0
  if (plain) {
    if (line ~ /^ *(```|~~~)/) { flushblock(); fence = !fence; next }   # markdown code fence
    if (fence) { s = line; sub(/^ +/, "", s); if (s == "") next; nb++; B[nb] = s; BI[nb] = 1000; fb = 1; next }
    if (line ~ /\037/) { flushblock(); lastind = 0; next }          # node separator
    if (line ~ /^ *[*=-]+$/ || line ~ /^\* Menu:/) { flushblock(); next }
  } else if (line ~ /^[^ ]/) {                           # section heading (or page header/footer)
    flushblock(); flushsyn(); lastind = 7
    if (FNR <= 2 || line ~ /[^ ]   +[^ ]/) next
    h = line; gsub(/\001/, "", h); h = toupper(h)
    if (h ~ /EXAMPLE/) sec = "ex"
    else if (h ~ /^SYNOPSIS/ && synok) sec = "syn"
    else if (h ~ /^(NAME|SEE ALSO|AUTHORS?|COPYRIGHT|REPORTING BUGS|COLOPHON)/) sec = "skip"
    else sec = "other"
    next
  }
  if (sec == "syn") {
    if (line ~ /^ *$/) { flushsyn(); next }
    match(line, /^ */); ind = RLENGTH
    s = substr(line, ind + 1)
    if (nsyn > 0 && ind > synind) { SY = SY " " s; next }
    flushsyn(); SY = s; synind = ind; nsyn = 1
    next
  }
  if (line ~ /^ *$/) { flushblock(); next }
  if (!plain && line ~ /^   [^ ]/) { flushblock(); lastind = 7; next }   # sub-heading
  match(line, /^ */); ind = RLENGTH
  s = substr(line, ind + 1); gsub(/\001/, "", s)
  nb++; B[nb] = s; BI[nb] = ind
}
END { flushblock(); flushsyn() }
AWK

# script.awk: shell script -> candidates (mode c): simple one-line commands,
# skipping heredoc bodies, multi-line strings, comments and control structures.
cat > "$WORK/awk/script.awk" <<'AWK'
BEGIN {
  FS = "\n"; sq = sprintf("%c", 39)
  while ((getline w < execs) > 0) isexec[w] = 1
  close(execs)
  hd = ""; buf = ""; open = 0; multi = 0
}
# scan s with quote state carried in global q ("" / "'" / "\"");
# cuts an unquoted comment, records heredoc delimiters in hdpend
function scan(s,   i, c, n, out, prevc, rest, d) {
  out = ""; n = length(s); prevc = " "
  for (i = 1; i <= n; i++) {
    c = substr(s, i, 1)
    if (q == sq) { out = out c; if (c == sq) q = ""; prevc = c; continue }
    if (c == "\\") { out = out substr(s, i, 2); i++; prevc = "x"; continue }
    if (q == "\"") { out = out c; if (c == "\"") q = ""; prevc = c; continue }
    if (c == sq || c == "\"") { q = c; out = out c; prevc = c; continue }
    if (c == "#" && prevc ~ /[ \t;&|(]/) break
    if (c == "<" && substr(s, i, 2) == "<<" && substr(s, i, 3) != "<<<") {
      rest = substr(s, i + 2); strip = 0
      if (rest ~ /^-/) { strip = 1; rest = substr(rest, 2) }
      sub(/^[ \t]*/, "", rest)
      if (match(rest, /^["']?[A-Za-z0-9_.-]+["']?/)) {
        d = substr(rest, 1, RLENGTH); gsub(/["']/, "", d)
        hdpend = d; hdstrip = strip
      }
    }
    out = out c; prevc = c
  }
  return out
}
function consider(s,   w) {
  gsub(/\t/, " ", s); sub(/^ +/, "", s); sub(/ +$/, "", s)
  sub(/ *;;$/, "", s); sub(/ *;$/, "", s)
  if (s == "") return
  w = s; sub(/ .*/, "", w)
  if (w ~ /^(if|then|else|elif|fi|for|while|until|do|done|case|esac|function|select|in|\{|\}|\(|\)|!|\[|\[\[|;;|local|export|readonly|declare|typeset|return|exit|shift|break|continue|set|trap|unset|eval|exec|wait|:|\.|source|true|false)$/) return
  if (s ~ /^[A-Za-z_][A-Za-z0-9_]* *\( *\)/) return          # function definition
  if (s ~ /(^|[ ;])(then|do)$/ || s ~ /[{(]$/ || s ~ /^[^ ]*\)$/ || s ~ /^[^ (]*\) /) return
  print pkg "\t" src "\tc\t" s
}
{
  line = $0; sub(/\r$/, "", line)
  if (hd != "") {
    t = line; if (hdstrip) sub(/^\t+/, "", t)
    if (t == hd) hd = ""
    next
  }
  if (FNR == 1 && line ~ /^#!/) next
  if (open) {                     # inside a multi-line string / continuation
    part = scan(line)
    buf = buf " " part; multi = 1
  } else {
    q = ""; hdpend = ""
    buf = scan(line); multi = 0
  }
  if (q != "") { open = 1; multi = 1; next }
  if (buf ~ /\\$/) { sub(/\\$/, "", buf); open = 1; if (q == "") cont = 1; next }
  if (buf ~ /(\||&&) *$/ && buf !~ /^[ \t]*[^ ]*\) *$/) { open = 1; cont = 1; next }   # pipeline continues on the next line
  open = 0
  if (hdpend != "") { hd = hdpend; hdpend = "" }
  if (multi && !cont) { buf = ""; cont = 0; next }   # multi-line string: not one command line
  cont = 0
  consider(buf); buf = ""
}
AWK

# filter.awk: common normalisation + validity rules -> "pkg \t source \t text"
cat > "$WORK/awk/filter.awk" <<'AWK'
BEGIN {
  FS = "\t"; OFS = "\t"; sq = sprintf("%c", 39)
  while ((getline w < execs) > 0) isexec[w] = 1
  close(execs)
  n = split("the a an is are was were be been being to of in on at by for with from that this these those " \
            "which who whom whose it its you your we our they their there here will would can could should " \
            "may might must not no does did has have had as if than so such also only into when where " \
            "while because how what all any each some most other same very just but and or then using " \
            "example following", SW, " ")
  for (i = 1; i <= n; i++) stop[SW[i]] = 1
}
# quote-aware pass: returns s without a trailing unquoted comment, or "\001" if
# quotes are unbalanced
function unquoted_cut(s,   i, c, n, out, qq, prevc) {
  out = ""; n = length(s); qq = ""; prevc = " "
  for (i = 1; i <= n; i++) {
    c = substr(s, i, 1)
    if (qq == sq) { out = out c; if (c == sq) qq = ""; continue }
    if (c == "\\") { out = out substr(s, i, 2); i++; prevc = "x"; continue }
    if (qq == "\"") { out = out c; if (c == "\"") qq = ""; continue }
    if (c == sq || c == "\"" || c == "`") {
      if (c == "`") { if (bt) bt = 0; else bt = 1; out = out c; prevc = c; continue }
      qq = c; out = out c; prevc = c; continue
    }
    if (c == "#" && prevc == " ") break
    out = out c; prevc = c
  }
  if (qq != "" || bt) { bt = 0; return "\001" }
  return out
}
function strip_quoted(s) {
  gsub(/"([^"\\]|\\.)*"/, " Q ", s)
  gsub(/'[^']*'/, " Q ", s)
  return s
}
function firstcmd(s,   a, k, i, w) {
  k = split(s, a, " ")
  for (i = 1; i <= k; i++) {
    w = a[i]
    if (w ~ /^[A-Za-z_][A-Za-z0-9_]*=/ && w ~ /["'`]|\$\(/) return ""   # quoted assignment: not parsed here
    if (w == "sudo" || w ~ /^[A-Za-z_][A-Za-z0-9_]*=[^ ]*$/) continue
    if (w ~ /^(\/|\.\/)[^ ]*[^\/]$/) sub(/.*\//, "", w)
    return w
  }
  return ""
}
function prose(s,   t, a, k, i, ns, np, w) {
  t = strip_quoted(s)
  k = split(t, a, " "); ns = 0; np = 0
  for (i = 2; i <= k; i++) {
    w = a[i]; sub(/[,.:;!?)]+$/, "", w)
    if (w in stop) ns++
    if (w ~ /^[A-Za-z][A-Za-z-]*$/) np++              # a bare English-looking word
  }
  if (ns >= 2) return 1
  if (ns == 1 && t ~ /[A-Za-z][.:,]$/) return 1
  if (ns >= 1 && k >= 4 && 4 * np >= 3 * (k - 1)) return 1   # "dd patch from Olivier Delhomme"
  if (t ~ /[a-z]\. [A-Z]/) return 1                    # sentence boundary
  return 0
}
{
  pkg = $1; src = $2; mode = $3; s = $4
  for (i = 5; i <= NF; i++) s = s " " $i            # tabs inside text
  if (s ~ /[\001-\010\013-\037\177]/) next
  gsub(/[ \t]+/, " ", s); sub(/^ /, "", s); sub(/ $/, "", s)
  # valid UTF-8 only
  t = s
  gsub(/[\302-\337][\200-\277]|[\340-\357][\200-\277][\200-\277]|[\360-\364][\200-\277][\200-\277][\200-\277]/, "", t)
  if (t ~ /[\200-\377]/) next
  s = unquoted_cut(s)
  if (s == "\001") next
  sub(/ +$/, "", s); if (s !~ /\\;$/) sub(/ *;$/, "", s)
  if (s ~ /\\$/) next                                 # unjoined continuation
  if (mode != "c") { while (s ~ / \([0-9]+\)$/) sub(/ \([0-9]+\)$/, "", s) }   # asciidoc callouts "(1)"
  if (s ~ /<<[^<]/ && s !~ /<<</) next               # heredoc: its body is not on this line
  t = strip_quoted(s); u = t
  if (gsub(/\(/, "(", u) != gsub(/\)/, ")", u)) next  # unbalanced parentheses
  if (mode != "c" && (t ~ /\{[^}]*\|/ || t ~ / \[-|\[--/)) next   # {a|b} alternatives, [-x] optional groups
  if (s ~ /(^| )(&&|\|\||\|)$/) next                  # dangling operator
  w = firstcmd(s)
  if (!(w in isexec)) next
  if (s ~ /^sudo$/) next
  # groff / roff residue, placeholders and metasyntax
  if (mode != "c" && s ~ /\\f[BIRP1-4(]|\\\((aq|em|en|lq|rq|oq|cq|bu|hy|mi|dq|ti|ha|ga|co|rg|tm|sl|ba|br)|\\\*[(\[]|^\.[A-Za-z]/) next
  if (s ~ /<[A-Za-z_][A-Za-z0-9_ -]*>/) next
  if (s ~ /\[\.\.\.\]| \.\.\.( |$)|\.\.\.\]|\342\200\246/) next
  if (mode != "c" && prose(s)) next
  if (mode != "c") {
    if (s ~ /\342\200[\230\231\234\235]/) next             # typographic quotes: prose, not shell
    if (s ~ /\.\.\.( |$)/ || s ~ /\[[A-Z][A-Z_]*\]/) next   # FILE... / [OPTION] metasyntax
    if (s ~ /[A-Za-z]\.$/) next                            # ends like a sentence
    if (s ~ /^[^ ]+( [A-Za-z0-9_.-]+)?> /) next            # interactive sub-prompt (nmcli> ...)
    if (match(s, / \([A-Za-z][^()]*\)$/)) {                # trailing "(under Linux)" remark
      w2 = substr(s, RSTART + 2); sub(/[ )].*/, "", w2)
      if (!(w2 in isexec)) { s = substr(s, 1, RSTART - 1) }
    }
  }
  if (s ~ /^[^ ]+ [:+-]?= /) next                          # assignment in some other language
  if (s ~ /^\/etc\// && s !~ /^\/etc\/(init\.d|cron\.[a-z]+)\//) next   # a config path, not a command
  if (w ~ /\.(service|socket|target|timer|mount|automount|path|slice|scope|device|swap)$/) next   # unit name
  t = strip_quoted(s)
  if (t ~ /(^|[|;&] *)(while|until|for|if|case|select) / && t !~ /(^|[ ;])(done|fi|esac)( |;|$)/) next   # head of a control structure
  if (mode != "c") {
    if (s ~ /^readonly [a-z]+ [A-Za-z]/ || s ~ /'\.\.\.'/) next   # D-Bus interface listings
    t = " " strip_quoted(s) " "
    if (t ~ / \[[A-Za-z][A-Za-z()_ .-]*\] / || t ~ /=  *$/) next   # "[args]" / "[FILE(s)]", dangling "="
    gsub(/[ |;&<>]/, "  ", t)                                      # unquoted words only
    if (t ~ / (FILE|FILES|EXPRESSION|PATTERN|PATTERNS|OPTION|OPTIONS|NAME|DIRECTORY|DIR|COMMAND|ARG|ARGS|STRING|NUMBER|MODE|OWNER|GROUP|DEST|SOURCE|SRC|PATH|URL|HOST|USER|PORT|PROGRAM|VALUE|KEY|LIST|EXPR|FORMAT|ADDRESS|DEVICE|IFACE) /) next
  }
  L = length(s)
  if (L < 4 || L > 300) next
  print pkg, src, s
}
AWK

# ------------------------------------------------------------- extraction ----
render_man() {   # $1 = man page file -> rendered text on stdout (italics marked \001)
  local f=$1 first
  case "$f" in *.gz) zcat -- "$f";; *) cat -- "$f";; esac > "$WORK/page.tmp" || return 0
  IFS= read -r first < "$WORK/page.tmp" || true
  case "$first" in .so\ *) return 0;; esac          # alias page (.so redirect)
  groff -k -t -mandoc -Tascii -rLL=250n -P-c < "$WORK/page.tmp" 2>/dev/null \
    | sed -e 's/_\x08/\x01/g' -e 's/\([\xc0-\xff][\x80-\xbf]*\|[\x01-\x7f]\)\x08//g' || true
}

: > "$WORK/cand.tsv"
while read -r pkg ver split; do
  r=$WORK/root/$pkg
  mkdir -p "$WORK/render/$pkg"
  # man pages: English only (no /man/<locale>/manN/), regular files (symlinks are aliases)
  find "$r" -path '*/man/man[0-9]*/*' ! -path '*/man/*/man[0-9]*/*' -type f | sort | while read -r f; do
    b=${f##*/}; b=${b%.gz}
    sect=${f%/*}; sect=${sect##*/man}
    case "$sect" in 1*|6*|8*) synok=1;; *) synok=0;; esac
    cache=$WORK/render/$pkg/$b.txt
    [ -e "$cache" ] || render_man "$f" > "$cache"
    "$AWK" -v pkg="$pkg" -v src="man:$b" -v synok=$synok -v execs="$WORK/execs" \
      -f "$WORK/awk/man.awk" "$cache"
  done
  # GNU info manuals (plain text; literal displays are indented)
  find "$r" -path '*/usr/share/info/*' -type f -name '*.info*' | sort | while read -r f; do
    b=${f##*/}; b=${b%.gz}
    case "$f" in *.gz) zcat -- "$f";; *) cat -- "$f";; esac \
      | "$AWK" -v pkg="$pkg" -v src="info:$b" -v kind=info -v execs="$WORK/execs" -f "$WORK/awk/man.awk"
  done
  # shell scripts the package ships (not docs/man/completions, handled/excluded elsewhere)
  for d in bin sbin usr/bin usr/sbin usr/lib usr/libexec usr/share etc lib; do
    [ -d "$r/$d" ] || continue
    [ -L "$r/$d" ] && continue
    find "$r/$d" -type f \
      ! -path "$r/usr/share/doc/*" ! -path "$r/usr/share/man/*" \
      ! -path "$r/usr/share/bash-completion/*" ! -path "$r/etc/bash_completion.d/*" \
      ! -path "$r/usr/share/zsh/*" ! -path "$r/usr/share/fish/*"
  done | sort | while read -r f; do
    rel=${f#"$r"}
    head -c 64 "$f" 2>/dev/null | head -n 1 | grep -aqE '^#! *(/usr)?/bin/((ba|da|k)?sh|env +(ba|da|k)?sh)( |$)' \
      || case "$f" in *.sh) grep -Iq . "$f" 2>/dev/null;; *) false;; esac || continue
    "$AWK" -v pkg="$pkg" -v src="script:$rel" -v execs="$WORK/execs" -f "$WORK/awk/script.awk" "$f"
  done
  # documentation under /usr/share/doc: shell scripts in examples/ as scripts;
  # README/HOWTO/FAQ/*.txt/*.md text with the plain-text rule (prompted lines,
  # code fences and indented literal displays)
  if [ -d "$r/usr/share/doc" ]; then
    find "$r/usr/share/doc" -type f ! -path '*/RelNotes/*' | sort | while read -r f; do
      rel=${f#"$r/usr/share/doc/"}; rel=${rel#"$pkg/"}
      base=${f##*/}; base=${base%.gz}
      case "$f" in *.gz) zcat -- "$f" > "$WORK/doc.tmp" 2>/dev/null || continue;; *) cat -- "$f" > "$WORK/doc.tmp";; esac
      grep -Iq . "$WORK/doc.tmp" 2>/dev/null || continue          # binary / empty
      if case "$rel" in examples/*|*/examples/*) true;; *) false;; esac \
         && { head -n 1 "$WORK/doc.tmp" | grep -aqE '^#! *(/usr)?/bin/((ba|da|k)?sh|env +(ba|da|k)?sh)( |$)' \
              || case "$base" in *.sh) true;; *) false;; esac; }; then
        "$AWK" -v pkg="$pkg" -v src="doc:$rel" -v execs="$WORK/execs" -f "$WORK/awk/script.awk" "$WORK/doc.tmp"
        continue
      fi
      case "$base" in
        changelog*|NEWS*|copyright|ChangeLog*|*.html|*.htm|*.xml|*.css|*.js|*.json) continue;;
        README*|*.txt|*.md|*.rst|FAQ*|*HOWTO*|*howto*|*.Debian|TODO*) ;;
        *) continue;;
      esac
      "$AWK" -v pkg="$pkg" -v src="doc:$rel" -v kind=text -v execs="$WORK/execs" -f "$WORK/awk/man.awk" "$WORK/doc.tmp"
    done
  fi
  # systemd units: Exec*= command lines (prefixes - @ + ! : dropped)
  find "$r" \( -path "$r/lib/systemd/*" -o -path "$r/usr/lib/systemd/*" -o -path "$r/etc/systemd/*" \) \
       -type f -name '*.service' | sort | while read -r f; do
    "$AWK" -v pkg="$pkg" -v src="unit:${f#"$r"}" '
      /^[ \t]*Exec(Start|StartPre|StartPost|Stop|StopPost|Reload|Condition)=/ {
        s = $0; sub(/^[ \t]*[A-Za-z]+=[-@+!:]*/, "", s); if (s != "") print pkg "\t" src "\tc\t" s }' "$f"
  done
  # cron.d entries and logrotate pre/post scripts
  [ -d "$r/etc/cron.d" ] && find "$r/etc/cron.d" -type f | sort | while read -r f; do
    "$AWK" -v pkg="$pkg" -v src="cron:${f#"$r"}" '
      /^[ \t]*(#|$)/ || /^[ \t]*[A-Za-z_][A-Za-z0-9_]*[ \t]*=/ { next }
      $1 ~ /^@/ && NF >= 3 { s = $0; sub(/^[ \t]*[^ \t]+[ \t]+[^ \t]+[ \t]+/, "", s); print pkg "\t" src "\tc\t" s; next }
      NF >= 7 { s = $0; sub(/^[ \t]*([^ \t]+[ \t]+)([^ \t]+[ \t]+)([^ \t]+[ \t]+)([^ \t]+[ \t]+)([^ \t]+[ \t]+)([^ \t]+[ \t]+)/, "", s)
                print pkg "\t" src "\tc\t" s }' "$f"
  done
  [ -d "$r/etc/logrotate.d" ] && find "$r/etc/logrotate.d" -type f | sort | while read -r f; do
    "$AWK" -v pkg="$pkg" -v src="logrotate:${f#"$r"}" '
      /^[ \t]*(pre|post)rotate[ \t]*$|^[ \t]*(first|last)action[ \t]*$/ { in_s = 1; next }
      /^[ \t]*endscript/ { in_s = 0; next }
      in_s { print }' "$f" > "$WORK/doc.tmp"
    "$AWK" -v pkg="$pkg" -v src="logrotate:${f#"$r"}" -v execs="$WORK/execs" -f "$WORK/awk/script.awk" "$WORK/doc.tmp"
  done
  # maintainer scripts (preinst, postinst, prerm, postrm, config)
  for m in preinst postinst prerm postrm config; do
    f=$WORK/ctrl/$pkg/$m
    [ -f "$f" ] || continue
    head -n 1 "$f" | grep -aqE '^#! *(/usr)?/bin/((ba|da|k)?sh|env +(ba|da|k)?sh)( |$)' || continue
    "$AWK" -v pkg="$pkg" -v src="maint:$m" -v execs="$WORK/execs" -f "$WORK/awk/script.awk" "$f"
  done
  true
done < "$WORK/pins" >> "$WORK/cand.tsv"
log "$(wc -l < "$WORK/cand.tsv") raw candidates"

"$AWK" -v execs="$WORK/execs" -f "$WORK/awk/filter.awk" "$WORK/cand.tsv" > "$WORK/kept.tsv"

# ---------------------------------------------------- dedup, cap, output ----
# Global de-duplication by text: sort by (package, source, text); the first
# occurrence wins, i.e. a line is attributed to the first package (and first
# source within it) in C-locale order.  Then at most PKG_CAP lines per
# package, chosen by the smallest stable hash of the text.
sort -t "$(printf '\t')" -k1,1 -k2,2 -k3,3 -u "$WORK/kept.tsv" \
  | "$AWK" -F '\t' '!seen[$3]++' > "$WORK/dedup.tsv"

TAB=$(printf '\t')
"$AWK" -F '\t' -v OFS='\t' 'BEGIN { for (i = 1; i < 256; i++) ord[sprintf("%c", i)] = i }
  { h = 5381; n = length($3)
    for (i = 1; i <= n; i++) h = (h * 33 + ord[substr($3, i, 1)]) % 4294967291
    printf "%s\t%010d\t%s\t%s\n", $1, h, $2, $3 }' "$WORK/dedup.tsv" \
  | sort -t "$TAB" -k1,1 -k3,3 -k2,2 -k4,4 \
  | "$AWK" -F '\t' -v OFS='\t' -v cap="$ECHO_CAP" '
      { w = $4; sub(/ .*/, "", w) }
      $3 ~ /^(script|doc|maint|logrotate):/ && (w == "echo" || w == "printf") { if (++e[$1 "\t" $3] > cap) next }
      { print }' \
  | sort -t "$TAB" -k1,1 -k2,2 -k4,4 -k3,3 \
  | "$AWK" -F '\t' -v OFS='\t' -v cap="$PKG_CAP" '++n[$1] <= cap { print $1, $3, $4 }' \
  | sort -t "$TAB" -k1,1 -k2,2 -k3,3 > "$WORK/capped.tsv"

{
  printf 'package\tversion\tsource\ttext\n'
  "$AWK" -F '\t' -v OFS='\t' 'NR == FNR { ver[$1] = $2; next } { print $1, ver[$1], $2, $3 }' \
    FS=' ' "$WORK/versions" FS='\t' "$WORK/capped.tsv"
} > "$OUT.tmp"
mv "$OUT.tmp" "$OUT"

# ---------------------------------------------------------------- summary ----
{
  echo "per package (package split lines_after_dedup lines_after_caps):"
  "$AWK" -F '\t' 'FILENAME == ARGV[1] { split($0, a, " "); sp[a[1]] = a[3]; ord[++np] = a[1]; next }
       FILENAME == ARGV[2] { pre[$1]++; next }
       FNR > 1 { k[$1]++; tot[sp[$1]]++; all++ }
       END { for (i = 1; i <= np; i++) { p = ord[i]; printf "  %-22s %-7s %6d %6d\n", p, sp[p], pre[p], k[p] }
             printf "total %d lines: train %d, heldout %d\n", all, tot["train"], tot["heldout"] }' \
    "$WORK/versions" "$WORK/dedup.tsv" "$OUT"
  echo "by source kind:"
  cut -f3 "$OUT" | tail -n +2 | sed 's/:.*//' | sort | uniq -c
} >&2
log "wrote $OUT ($(($(wc -l < "$OUT") - 1)) lines, $(wc -c < "$OUT") bytes) in $(( $(date +%s) - t0 ))s"
log "sha256 $(sha256sum < "$OUT" | cut -d' ' -f1)"
