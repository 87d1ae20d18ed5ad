; Inno Setup script for Canvas Export Manager (Windows x64).
; NOT YET EXERCISED on Windows: written from the Inno Setup 6.3+/7 documentation; the release
; workflow (.github/workflows/release.yml) is the first place it runs.
;
; Build (after `uv run pyinstaller --noconfirm build.spec` on Windows), from the repo root:
;   iscc /DAppVersion=0.1.0 resources\windows\canvas-export-manager.iss
; Output: dist\canvas-export-manager-<version>-windows-x64-setup.exe
;
; Installs per user by default (no UAC prompt, into %LOCALAPPDATA%\Programs), with a dialog
; offering "install for all users" (Program Files) to administrators.

#ifndef BundleDir
  ; the PyInstaller one-folder bundle; relative to this script's folder (the default SourceDir)
  #define BundleDir "..\..\dist\canvas-export-manager"
#endif
#define AppName "Canvas Export Manager"
#define AppExeName "Canvas Export Manager.exe"
#define CliExeName "canvas-exports.exe"
#ifndef AppVersion
  ; fall back to the version resource build.spec writes into the executable
  #define AppVersion GetVersionNumbersString(AddBackslash(SourcePath) + BundleDir + "\" + AppExeName)
#endif

[Setup]
; AppId identifies the app across versions (upgrades, uninstall): never change it.
AppId={{19228F2B-E905-4403-8202-1DBF8D0E3E5A}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=Canvas Export Manager developers
VersionInfoVersion={#AppVersion}
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
; the bundle holds 64-bit binaries only
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
SetupIconFile=..\icons\generated\canvas-export-manager.ico
UninstallDisplayIcon={app}\{#AppExeName}
UninstallDisplayName={#AppName}
WizardStyle=modern
Compression=lzma2/max
SolidCompression=yes
OutputDir=..\..\dist
OutputBaseFilename=canvas-export-manager-{#AppVersion}-windows-x64-setup
; close a running copy before replacing its files, restart it afterwards
ChangesAssociations=yes
CloseApplications=yes
RestartApplications=no

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[InstallDelete]
; A new PyInstaller build may drop or rename files in _internal; remove the old folder so an
; upgrade never mixes two builds' libraries.
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "{#BundleDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Registry]
; .imscc opens in the package viewer (`Canvas Export Manager.exe FILE`); removed on uninstall
Root: HKA; Subkey: "Software\Classes\.imscc\OpenWithProgids"; ValueType: string; ValueName: "CanvasExportManager.imscc"; ValueData: ""; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\CanvasExportManager.imscc"; ValueType: string; ValueName: ""; ValueData: "Common Cartridge package"; Flags: uninsdeletekey
Root: HKA; Subkey: "Software\Classes\CanvasExportManager.imscc\DefaultIcon"; ValueType: string; ValueName: ""; ValueData: "{app}\{#AppExeName},0"
Root: HKA; Subkey: "Software\Classes\CanvasExportManager.imscc\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\{#AppExeName}"" ""%1"""

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExeName}"; WorkingDir: "{app}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExeName}"; WorkingDir: "{app}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExeName}"; Description: "{cm:LaunchProgram,{#StringChange(AppName, '&', '&&')}}"; Flags: nowait postinstall skipifsilent

[UninstallDelete]
; files the app or Python may create next to the executables (never user data: profiles
; and the job store live in %LOCALAPPDATA%\canvas-export-manager and are kept)
Type: filesandordirs; Name: "{app}\_internal\__pycache__"
