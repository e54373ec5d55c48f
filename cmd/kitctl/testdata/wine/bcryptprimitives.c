/*
 * bcryptprimitives.dll for wine, for tests only: Go 1.22 and later take
 * their random bytes from ProcessPrng, which every Windows 10 and 11 has
 * and Debian's wine 8 lacks, so no Go program starts under it. This DLL
 * exports ProcessPrng over RtlGenRandom (advapi32's SystemFunction036).
 * `make windows-smoke` builds it with mingw-w64 and copies it into the
 * wine prefix's system32. Never shipped.
 */
#include <windows.h>
typedef BOOLEAN (WINAPI *RtlGenRandomFn)(PVOID, ULONG);
__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
    static RtlGenRandomFn fn = NULL;
    if (!fn) {
        HMODULE h = LoadLibraryA("advapi32.dll");
        fn = (RtlGenRandomFn)GetProcAddress(h, "SystemFunction036");
    }
    while (len > 0) {
        ULONG n = len > 0x10000000 ? 0x10000000 : (ULONG)len;
        if (!fn(data, n)) return FALSE;
        data += n; len -= n;
    }
    return TRUE;
}
