// Only the link flag and pkg-config's include path matter here: CZxingShim (C++) is the one user of
// the zxing-cpp headers; Swift never sees them. ZXVersion.h is plain macros, valid C.
#include <ZXing/ZXVersion.h>
