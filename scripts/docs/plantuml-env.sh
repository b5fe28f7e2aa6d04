# shellcheck shell=bash disable=SC2034  # the variables are used by the scripts that source this
# Shared by scripts/docs/puml2svg, puml2preview and check-figures; source it, do not run it.
#
# Provides:
#   repo_root              the repository root (absolute)
#   puml_dir, figures_dir  docs/puml and docs/figures (absolute)
#   ensure_plantuml        installs Debian's plantuml, graphviz (dot, for every diagram that is
#                          not a sequence diagram) and the DejaVu fonts if any is missing;
#                          exits non-zero with a message when that fails, never skips
#   ensure_command C PKG   installs the Debian package PKG when command C is missing
#   plantuml_run ARGS...   runs plantuml in a fixed environment (see below)
#   syntax_error SOURCE    prints "line N: message" and succeeds when SOURCE has a syntax error
#   resolve_source ARG     prints the absolute path of a source given as a path, a file name
#                          or a bare name (chained-services); fails if there is none
#
# Determinism: the figures name their fonts (DejaVu Sans, DejaVu Sans Mono), and PlantUML
# measures text with the fonts it finds, so the same fonts must be installed wherever figures
# are rendered or checked. plantuml_run also pins the locale and runs Java headless, and
# renderers pass -nometadata so no PlantUML/Java version or source copy ends up in the SVGs.

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
puml_dir=$repo_root/docs/puml
figures_dir=$repo_root/docs/figures
script_name=${script_name:-$(basename "$0")}

die() {
    echo "$script_name: $*" >&2
    exit 1
}

_apt_updated=false
_apt_install() {
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null 2>&1 || die "installing $* needs root (no sudo here)"
        sudo=(sudo)
    fi
    command -v apt-get >/dev/null 2>&1 || die "cannot install $*: no apt-get (install it by hand)"
    if [ "$_apt_updated" = false ]; then
        echo "==> apt-get update" >&2
        "${sudo[@]}" apt-get update -q >&2 || die "apt-get update failed"
        _apt_updated=true
    fi
    echo "==> apt-get install -y $*" >&2
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q "$@" >&2 \
        || die "could not install $*"
}

ensure_command() {
    local command=$1 package=$2
    command -v "$command" >/dev/null 2>&1 && return 0
    _apt_install "$package"
    command -v "$command" >/dev/null 2>&1 || die "$package is installed but '$command' is still missing"
}

_fonts_present() {
    [ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] \
        && [ -f /usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf ]
}

ensure_plantuml() {
    local missing=()
    command -v plantuml >/dev/null 2>&1 || missing+=(plantuml)
    command -v dot >/dev/null 2>&1 || missing+=(graphviz)
    _fonts_present || missing+=(fonts-dejavu-core)
    if [ ${#missing[@]} -gt 0 ]; then
        _apt_install "${missing[@]}"
    fi
    command -v plantuml >/dev/null 2>&1 || die "plantuml was installed but the 'plantuml' command is missing"
    command -v dot >/dev/null 2>&1 || die "graphviz was installed but the 'dot' command is missing"
    _fonts_present || die "fonts-dejavu-core was installed but the DejaVu fonts are missing"
    plantuml_run -version >/dev/null 2>&1 || die "'plantuml -version' fails: is Java installed?"
}

# The PlantUML version line, e.g. "PlantUML version 1.2020.02 (Sun Mar 01 10:22:07 UTC 2020)".
plantuml_version() {
    plantuml_run -version 2>/dev/null | head -n 1
}

plantuml_run() {
    env -u DISPLAY LC_ALL=C.UTF-8 LANG=C.UTF-8 TZ=UTC plantuml "$@"
}

syntax_error() {
    local report line
    report=$(plantuml_run -syntax -charset UTF-8 <"$1" 2>/dev/null) && return 1
    [ -n "$report" ] || report="plantuml -syntax failed"
    # `-syntax` answers "ERROR", the 0-based line, then the message.
    line=$(sed -n 2p <<<"$report")
    if [ "$(sed -n 1p <<<"$report")" = ERROR ] && [[ "$line" =~ ^[0-9]+$ ]]; then
        echo "line $((line + 1)): $(sed -n '3,$p' <<<"$report" | tr '\n' ' ' | sed 's/ *$//')"
    else
        tr '\n' ' ' <<<"$report" | sed 's/ *$//'
        echo
    fi
}

resolve_source() {
    local arg=$1 candidate
    for candidate in "$arg" "$puml_dir/$arg" "$puml_dir/$arg.puml"; do
        if [ -f "$candidate" ] && [[ "$candidate" == *.puml ]]; then
            echo "$(cd "$(dirname "$candidate")" && pwd)/$(basename "$candidate")"
            return 0
        fi
    done
    die "no PlantUML source '$arg' (looked for it as given and in docs/puml/)"
}
