; The Windows installer of communekit, built on Debian by makensis (make
; dist). It installs for the user who runs it, without administrator
; rights (commune laptops are often set up so), into
; %LOCALAPPDATA%\Programs\communekit, with a Start-menu shortcut under the
; app's Vietnamese name and an uninstaller listed in Windows' "Apps".
; Uninstalling removes the program only: the officer's profile (records,
; keys, batches) stays where the app keeps it.
;
; makensis -INPUTCHARSET UTF8 -DVERSION=0.1.0 -DVIVERSION=0.1.0.0 -DSRC=DIR -DOUT=FILE communekit.nsi
; The app is 64-bit only; a 64-bit installer also runs under wine64 for the tests.
Target amd64-unicode
SetCompressor /SOLID lzma
RequestExecutionLevel user
!include "MUI2.nsh"

!define APPNAME "communekit"
!define VINAME "Dữ liệu dân cư xã (communekit)"
!define UNINSTKEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\communekit"

Name "${VINAME}"
OutFile "${OUT}"
InstallDir "$LOCALAPPDATA\Programs\communekit"
InstallDirRegKey HKCU "${UNINSTKEY}" "InstallLocation"
BrandingText "communekit ${VERSION}"

VIProductVersion "${VIVERSION}"
VIAddVersionKey /LANG=1066 "ProductName" "${VINAME}"
VIAddVersionKey /LANG=1066 "FileDescription" "Cài đặt ${VINAME}"
VIAddVersionKey /LANG=1066 "FileVersion" "${VERSION}"
VIAddVersionKey /LANG=1066 "ProductVersion" "${VERSION}"
VIAddVersionKey /LANG=1066 "LegalCopyright" "© 2026 The communekit authors (MIT)"

!define MUI_ICON "${SRC}\communekit.ico"
!define MUI_UNICON "${SRC}\communekit.ico"
!define MUI_FINISHPAGE_RUN "$INSTDIR\communekit.exe"
!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
; Vietnamese only: commune laptops often run an English Windows, and the
; officers read Vietnamese first (the app itself speaks both).
!insertmacro MUI_LANGUAGE "Vietnamese"

Section "communekit"
  SetShellVarContext current
  SetOutPath "$INSTDIR"
  File "${SRC}\communekit.exe"
  File "${SRC}\kitctl.exe"
  File "${SRC}\communekit.ico"
  File "${SRC}\LICENSE.txt"
  File "${SRC}\README.txt"
  WriteUninstaller "$INSTDIR\uninstall.exe"
  CreateShortCut "$SMPROGRAMS\${VINAME}.lnk" "$INSTDIR\communekit.exe" "" "$INSTDIR\communekit.exe" 0
  WriteRegStr HKCU "${UNINSTKEY}" "DisplayName" "${VINAME}"
  WriteRegStr HKCU "${UNINSTKEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKCU "${UNINSTKEY}" "DisplayIcon" "$INSTDIR\communekit.exe,0"
  WriteRegStr HKCU "${UNINSTKEY}" "Publisher" "communekit"
  WriteRegStr HKCU "${UNINSTKEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKCU "${UNINSTKEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegDWORD HKCU "${UNINSTKEY}" "NoModify" 1
  WriteRegDWORD HKCU "${UNINSTKEY}" "NoRepair" 1
SectionEnd

Section "Uninstall"
  SetShellVarContext current
  Delete "$SMPROGRAMS\${VINAME}.lnk"
  Delete "$INSTDIR\communekit.exe"
  Delete "$INSTDIR\kitctl.exe"
  Delete "$INSTDIR\communekit.ico"
  Delete "$INSTDIR\LICENSE.txt"
  Delete "$INSTDIR\README.txt"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
  DeleteRegKey HKCU "${UNINSTKEY}"
SectionEnd
