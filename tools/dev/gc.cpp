#include <unicode/uchar.h>
#include <unicode/uversion.h>
#include <cstdio>
// Prints general category ranges (start cat), Cased ranges, Case_Ignorable ranges.
static const char* kNames[] = {"Cn","Lu","Ll","Lt","Lm","Lo","Mn","Me","Mc","Nd","Nl","No","Zs","Zl","Zp","Cc","Cf","Co","Cs","Pd","Ps","Pe","Pc","Po","Sm","Sc","Sk","So","Pi","Pf"};
int main(int argc, char** argv) {
  char v[32]; UVersionInfo uv; u_getUnicodeVersion(uv); u_versionToString(uv, v);
  fprintf(stderr, "unicode %s\n", v);
  int mode = argv[1][0]-'0';
  if (mode == 0) {
    int prev = -1;
    for (UChar32 c = 0; c < 0x110000; ++c) { int t = u_charType(c); if (t != prev) { printf("%X %s\n", c, kNames[t]); prev = t; } }
  } else {
    UProperty p = mode == 1 ? UCHAR_CASED : UCHAR_CASE_IGNORABLE;
    UChar32 start = -1;
    for (UChar32 c = 0; c <= 0x110000; ++c) {
      bool in = c < 0x110000 && u_hasBinaryProperty(c, p);
      if (in && start < 0) start = c;
      if (!in && start >= 0) { printf("%X %X\n", start, c - 1); start = -1; }
    }
  }
}
