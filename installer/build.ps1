# Build the Windows setup file for Checkpoint Desk (卡口查验台), from a checkout, in one go.
#
#   powershell -ExecutionPolicy Bypass -File installer\build.ps1
#
# Needs (see installer\README.md): Python 3.11 x64 from python.org, Inno Setup 6, internet for
# pip and the VC++ 2013 runtime download. Leaves dist\checkpoint-desk-setup-<version>.exe.
param(
    [string]$Python = "py -3.11",
    [switch]$SkipRedist
)
$ErrorActionPreference = "Stop"
Set-Location (Split-Path -Parent $PSScriptRoot)

if (-not (Test-Path ".venv\Scripts\python.exe")) {
    Write-Host "Creating .venv with $Python"
    Invoke-Expression "$Python -m venv .venv"
}
$py = ".venv\Scripts\python.exe"
& $py -m pip install --quiet --upgrade pip
& $py -m pip install --quiet -c constraints.txt -e ".[postgresql]"
if ($LASTEXITCODE) { throw "pip install of the project failed" }
$pin = Select-String -Path constraints.txt -Pattern "^pyinstaller==" -Quiet
if ($pin) { $want = "pyinstaller" } else { $want = "pyinstaller==6.22.3" }
& $py -m pip install --quiet -c constraints.txt $want
if ($LASTEXITCODE) { throw "pip install of PyInstaller failed" }

# pyzbar's libzbar-64.dll needs msvcr120.dll: ship Microsoft's VC++ 2013 x64 redistributable
# inside the setup, so an offline laptop gets it (installed only where it is missing).
$redist = "installer\redist\vcredist_x64.exe"
if (-not $SkipRedist -and -not (Test-Path $redist)) {
    New-Item -ItemType Directory -Force -Path "installer\redist" | Out-Null
    $url = "https://aka.ms/highdpimfc2013x64enu"
    Write-Host "Downloading the Visual C++ 2013 x64 runtime from $url"
    Invoke-WebRequest -Uri $url -OutFile $redist -UseBasicParsing
}
if (Test-Path $redist) {
    $sig = Get-AuthenticodeSignature $redist
    if ($sig.Status -ne "Valid" -or $sig.SignerCertificate.Subject -notmatch "O=Microsoft Corporation") {
        throw "$redist is not a valid Microsoft-signed file; delete it and download it again"
    }
}

& $py installer\build.py --clean --smoke --setup
if ($LASTEXITCODE) { throw "build failed" }
