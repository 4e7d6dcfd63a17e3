; Inno Setup script for the Windows installer of xueji-desktop (学籍信息采集离线客户端).
; Input: the PyInstaller one-folder bundle dist\xueji-desktop\ (built from packaging\xueji.spec).
; Build (from the repository root, Inno Setup 6.5 or newer, which ships the Simplified Chinese messages):
;   iscc /DAppVersion=0.1.0 packaging\windows\xueji.iss      -> dist\installer\xueji-desktop-0.1.0-setup.exe
;
; Per-user install: no administrator rights, no UAC prompt (school PCs are often locked down). Program files go
; to %LOCALAPPDATA%\Programs\xueji-desktop; the user's data lives in the user data folder
; (%LOCALAPPDATA%\xueji-desktop) and is NOT removed on uninstall.

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#define AppName "学籍信息采集客户端"
#define AppExe "xueji-desktop.exe"

[Setup]
AppId={{6F0C1E52-3B7A-4C1B-9E57-1A2D8C4B7E21}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=xueji-desktop
DefaultDirName={autopf}\xueji-desktop
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
; Qt 6 (PySide6 6.x) supports only 64-bit Windows 10 version 1809 (build 17763) or later, and Windows 11.
MinVersion=10.0.17763
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
SourceDir=..\..
OutputDir=dist\installer
OutputBaseFilename=xueji-desktop-{#AppVersion}-setup
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
UninstallDisplayName={#AppName}
UninstallDisplayIcon={app}\{#AppExe}
ShowLanguageDialog=no

[Languages]
Name: "chinesesimplified"; MessagesFile: "compiler:Languages\ChineseSimplified.isl"

[Tasks]
Name: "desktopicon"; Description: "在桌面创建快捷方式"; GroupDescription: "附加快捷方式："

[Files]
Source: "dist\xueji-desktop\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\{#AppExe}"
Name: "{group}\自检（检查本机能否正常运行）"; Filename: "{cmd}"; Parameters: "/k ""{app}\xueji.exe"" self-test"; WorkingDir: "{userdocs}"
Name: "{group}\卸载 {#AppName}"; Filename: "{uninstallexe}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "立即启动{#AppName}"; Flags: nowait postinstall skipifsilent

[Messages]
chinesesimplified.WelcomeLabel2=将在本机安装 [name/ver]。%n%n不需要管理员权限，也不需要联网。学籍数据保存在当前用户的数据文件夹中，卸载程序不会删除它们。
