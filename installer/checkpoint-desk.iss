; Inno Setup 6 script: Checkpoint Desk (卡口查验台) setup for Windows 10/11 x64.
;
; Built by installer/build.py --setup (or installer/build.ps1), which passes
;   /DAppVersion=0.1.0 /DSourceDir=<dist\checkpoint-desk> /DOutputDir=<dist>
; Result: dist\checkpoint-desk-setup-<version>.exe, one file that needs no internet.
;
; - per-machine: installs to C:\Program Files\Checkpoint Desk (asks for administrator rights);
; - Start-menu and (optional, ticked) desktop shortcuts;
; - upgrade in place: the fixed AppId makes a newer setup replace the program in the same folder;
;   the old _internal folder is removed first so no stale library survives an upgrade;
; - the data (database, settings, trust store) live per user in %LOCALAPPDATA%\checkpoint-desk,
;   never in the program folder: no install or upgrade touches them, and uninstall keeps them
;   unless the person says yes to deleting them (or passes /DELETEDATA to a silent uninstall);
; - the Visual C++ 2013 runtime that pyzbar's libzbar-64.dll needs, when it was placed in
;   installer\redist\vcredist_x64.exe at build time (see README.md).

#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif
#ifndef SourceDir
  #define SourceDir "..\dist\checkpoint-desk"
#endif
#ifndef OutputDir
  #define OutputDir "..\dist"
#endif
#define AppName "卡口查验台 Checkpoint Desk"
#define AppExe "checkpoint-desk.exe"
#define DataDirName "checkpoint-desk"
#define Redist13 AddBackslash(SourcePath) + "redist\vcredist_x64.exe"
#define AppIcon AddBackslash(SourcePath) + "..\resources\icons\checkpoint-desk.ico"

[Setup]
; Never change the AppId: it is how a newer setup finds and upgrades an installed one.
AppId={{586A58A7-5A7A-432F-ABE7-630FD3E43131}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=Checkpoint Desk
VersionInfoVersion={#AppVersion}
DefaultDirName={autopf}\Checkpoint Desk
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
UsePreviousAppDir=yes
PrivilegesRequired=admin
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
OutputDir={#OutputDir}
OutputBaseFilename=checkpoint-desk-setup-{#AppVersion}
Compression=lzma2/max
SolidCompression=yes
LZMANumBlockThreads=2
WizardStyle=modern
CloseApplications=yes
RestartApplications=no
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName}
#if FileExists(AppIcon)
SetupIconFile={#AppIcon}
#endif

[Languages]
#if FileExists(AddBackslash(CompilerPath) + "Languages\ChineseSimplified.isl")
Name: "chinesesimplified"; MessagesFile: "compiler:Languages\ChineseSimplified.isl"
#endif
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"

[InstallDelete]
; an upgrade replaces the whole program folder's libraries; the data are elsewhere
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs
#if FileExists(Redist13)
Source: "{#Redist13}"; DestDir: "{tmp}"; Flags: deleteafterinstall; Check: NeedsVC2013
#endif

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"; WorkingDir: "{app}"
Name: "{autoprograms}\{#AppName} (演示 Demo)"; Filename: "{app}\{#AppExe}"; Parameters: "--demo"; WorkingDir: "{app}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; WorkingDir: "{app}"; Tasks: desktopicon

[Run]
#if FileExists(Redist13)
Filename: "{tmp}\vcredist_x64.exe"; Parameters: "/install /quiet /norestart"; StatusMsg: "Visual C++ 2013 runtime (zbar) ..."; Flags: waituntilterminated; Check: NeedsVC2013
#endif
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

[Code]
function NeedsVC2013: Boolean;
begin
  { pyzbar's libzbar-64.dll links msvcr120.dll (Visual C++ 2013, x64) }
  Result := not FileExists(ExpandConstant('{sys}\msvcr120.dll'));
end;

procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
var
  DataDir: String;
  Delete: Boolean;
begin
  if CurUninstallStep <> usPostUninstall then
    Exit;
  { the data of the Windows account running the uninstaller; CHECKPOINT_DATA_DIR or a
    data_dir setting elsewhere is never deleted }
  DataDir := ExpandConstant('{localappdata}\{#DataDirName}');
  if not DirExists(DataDir) then
    Exit;
  if UninstallSilent then
    Delete := Pos('/DELETEDATA', Uppercase(GetCmdTail)) > 0
  else
    Delete := MsgBox('也删除本机的查验数据（数据库、设置、信任库）吗？' + #13#10 +
      'Also delete this computer''s checkpoint data (database, settings, trust store)?' + #13#10#13#10 +
      DataDir + #13#10#13#10 +
      '选“否”保留数据，重新安装后可继续使用。' + #13#10 +
      'Choose No to keep them for a later reinstall.',
      mbConfirmation, MB_YESNO or MB_DEFBUTTON2) = IDYES;
  if Delete then
    DelTree(DataDir, True, True, True);
end;
