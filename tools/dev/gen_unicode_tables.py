import unicodedata as u
def coarse(c):
    if c[0] == 'L': return 1
    if c[0] == 'N': return 2
    if c[0] == 'P': return 3
    return {'Mn': 4, 'Zs': 5, 'Cc': 6, 'Cf': 7, 'Cn': 8, 'Co': 8, 'Cs': 8}.get(c, 0)
cls = []
for line in open('gc.txt'):
    s, c = line.split(); k = coarse(c)
    if not cls or cls[-1][1] != k: cls.append((int(s, 16), k))
def ranges(fn):
    return [tuple(int(x, 16) for x in l.split()) for l in open(fn)]
cased = ranges('cased.txt'); ci = ranges('ci.txt')
runs = []
for c in range(0x110000):
    l = chr(c).lower()
    if l == chr(c) or len(l) != 1: continue
    d = ord(l) - c
    if runs:
        s, e, dd, st = runs[-1]
        if dd == d and ((st == 0 and c - e in (1, 2)) or (st and c - e == st)):
            runs[-1] = (s, c, d, c - e); continue
    runs.append((c, c, d, 0))
dec = []
for c in range(0x110000):
    if 0xAC00 <= c <= 0xD7A3: continue
    d = u.normalize('NFD', chr(c))
    if d == chr(c) or u.category(chr(c)) == 'Mn': continue
    r = [ord(x) for x in d if u.category(x) != 'Mn']
    assert len(r) <= 3
    dec.append((c, r + [0] * (3 - len(r))))
def emit(name, typ, items, fmt):
    out = [f'const {typ} {name}[] = {{']
    line = ' '
    for it in items:
        s = ' ' + fmt(it) + ','
        if len(line) + len(s) > 108: out.append(line); line = ' '
        line += s
    out.append(line); out.append('};')
    out.append(f'const std::size_t {name}Size = sizeof({name}) / sizeof({name}[0]);')
    return '\n'.join(out)
print('''// Generated Unicode tables for data/tokenizers/unicode.cpp. Do not edit by hand.
//
// Sources (the versions the reference tokenizers used):
// - kClassRanges: general categories from ICU 72 (Unicode 15.0, the Unicode of python3-regex 2022.10.31 that
//   produced the golden RoBERTa ids), collapsed to the classes of unicode.h: (first code point << 4) | class.
// - kCasedRanges, kCaseIgnorableRanges: the Cased / Case_Ignorable properties from ICU 72, inclusive ranges.
// - kLowerRuns: Python 3.11 str.lower() (Unicode 14.0) one-to-one mappings as runs {first, last, delta, stride}.
// - kStripAccents: Python 3.11 unicodedata.normalize("NFD") of every code point that decomposes (Hangul syllables
//   aside, done by formula), with the Mn marks removed: up to 3 code points, 0-padded.
// Regenerate with a small script over ICU's u_charType / u_hasBinaryProperty and Python's unicodedata.
#include "data/tokenizers/unicode_tables.h"

namespace attune::data::unicode_tables {

// clang-format off''')
print(emit('kClassRanges', 'std::uint32_t', cls, lambda t: '0x%X' % ((t[0] << 4) | t[1])))
print()
print(emit('kCasedRanges', 'Range', cased, lambda t: '{0x%X, 0x%X}' % t))
print()
print(emit('kCaseIgnorableRanges', 'Range', ci, lambda t: '{0x%X, 0x%X}' % t))
print()
print(emit('kLowerRuns', 'LowerRun', runs, lambda t: '{0x%X, 0x%X, %d, %d}' % t))
print()
print(emit('kStripAccents', 'Decomposition', dec, lambda t: '{0x%X, {0x%X, 0x%X, 0x%X}}' % (t[0], *t[1])))
print()
print('// clang-format on\n\n}  // namespace attune::data::unicode_tables')
