#!/usr/bin/env bash
# Builds the Pulumi engine pieces this project needs FROM SOURCE, through the
# Go module proxy, with pinned versions (see tools/README.md for why these
# versions):
#
#   pulumi                      CLI/engine   github.com/pulumi/pulumi/pkg/v3            v3.274.1
#   pulumi-language-nodejs      lang host    github.com/pulumi/pulumi/sdk/v3            v3.68.0
#   pulumi-resource-kubernetes  provider     github.com/pulumi/pulumi-kubernetes/provider/v4
#                                            v4.0.0-20260115033456-f47bc2d6f199 (reports 4.34.2)
#   pulumi-resource-random      provider     NOT BUILDABLE here (module not served)
#
# into ${ITOPS_TOOLS_BIN:-${ITOPS_CACHE:-~/.cache/it-ops-infra}/engine/bin}, outside the
# work tree, so that a fresh clone (CI) reuses it. A piece whose binary is already
# there, built from the same pins (go.mod/go.sum/sources, Go version,
# platform), is skipped. Go's module and build caches make rebuilds cheap.
#
# Usage: tools/build-engine.sh [--force] [--print-env] [PIECE...]
#   PIECE: pulumi | language-nodejs | kubernetes | random   (default: all but random)
#   --force      rebuild even if the cached binary matches
#   --print-env  only print the shell exports needed to use the built engine
#                (eval "$(tools/build-engine.sh --print-env)"); builds nothing
set -euo pipefail

TOOLS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ENGINE_DIR="$TOOLS_DIR/engine"
BIN_DIR="${ITOPS_TOOLS_BIN:-${ITOPS_CACHE:-$HOME/.cache/it-ops-infra}/engine/bin}"
STAMP_DIR="$BIN_DIR/.stamps"

# --- pins (keep in sync with tools/engine/*/go.mod and tools/README.md) -----
PULUMI_VERSION="v3.274.1"
LANGUAGE_NODEJS_VERSION="v3.68.0"
KUBERNETES_MODULE="github.com/pulumi/pulumi-kubernetes/provider/v4"
KUBERNETES_MODULE_VERSION="v4.0.0-20260115033456-f47bc2d6f199"
# Version the provider binary and its schema report. It is the version that
# @pulumi/kubernetes 4.34.2 asks the engine for (see README: the source is an
# older snapshot, because no tagged version is served).
KUBERNETES_VERSION_LABEL="4.34.2"
RANDOM_MODULE="github.com/pulumi/pulumi-random/provider/v4"
RANDOM_VERSION="v4.21.2"

log() { printf '[build-engine] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

print_env() {
	cat <<EOF
export PATH="$BIN_DIR:\$PATH"
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
EOF
}

force=0
pieces=()
for arg in "$@"; do
	case "$arg" in
	--force) force=1 ;;
	--print-env)
		print_env
		exit 0
		;;
	-h | --help)
		sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'
		exit 0
		;;
	pulumi | language-nodejs | kubernetes | random) pieces+=("$arg") ;;
	*) die "unknown argument: $arg (try --help)" ;;
	esac
done
if [ "${#pieces[@]}" -eq 0 ]; then
	pieces=(pulumi language-nodejs kubernetes)
fi

command -v go >/dev/null 2>&1 || die "go is not on PATH (Go >= 1.26.6 is needed for the pulumi CLI)"

# Sane, reproducible Go settings: only the pinned go.mod/go.sum, the local
# toolchain, no go.work, no VCS stamping, paths trimmed, 2 parallel compile
# jobs (the kubernetes provider still peaks at ~4.5 GB RSS while building).
export GOTOOLCHAIN=local
export GOWORK=off
export GOFLAGS="-mod=readonly -buildvcs=false -trimpath"
GO_PARALLEL="${ITOPS_GO_PARALLEL:-2}"

mkdir -p "$BIN_DIR" "$STAMP_DIR"

# Cache key: pins + the files that define the build + toolchain/platform.
stamp_of() {
	local piece="$1" dir="$2" version="$3"
	{
		printf 'piece=%s version=%s\n' "$piece" "$version"
		go env GOVERSION GOOS GOARCH CGO_ENABLED
		find "$dir" -type f \( -name 'go.mod' -o -name 'go.sum' -o -name '*.go' \) -print0 |
			LC_ALL=C sort -z | xargs -0 sha256sum | sed "s|$dir/||"
	} | sha256sum | cut -d' ' -f1
}

is_current() {
	local name="$1" stamp="$2"
	[ "$force" -eq 0 ] &&
		[ -x "$BIN_DIR/$name" ] &&
		[ -f "$STAMP_DIR/$name" ] &&
		[ "$(cat "$STAMP_DIR/$name")" = "$stamp" ]
}

built=()
skipped=()
failed=()

# build_piece NAME DIR VERSION PKG LDFLAGS [extra go build args...]
build_piece() {
	local name="$1" dir="$2" version="$3" pkg="$4" ldflags="$5"
	shift 5
	local stamp start tmp
	stamp="$(stamp_of "$name" "$dir" "$version")"
	if is_current "$name" "$stamp"; then
		log "$name $version: up to date in $BIN_DIR, skipping"
		skipped+=("$name $version")
		return 0
	fi
	log "$name $version: building $pkg (go build -p $GO_PARALLEL) ..."
	start=$SECONDS
	tmp="$BIN_DIR/.$name.tmp.$$"
	if (cd "$dir" && go build -p "$GO_PARALLEL" "$@" -ldflags "$ldflags" -o "$tmp" "$pkg"); then
		mv -f "$tmp" "$BIN_DIR/$name"
		printf '%s\n' "$stamp" >"$STAMP_DIR/$name"
		log "$name $version: built in $((SECONDS - start))s"
		built+=("$name $version ($((SECONDS - start))s)")
	else
		rm -f "$tmp"
		log "$name $version: FAILED after $((SECONDS - start))s"
		failed+=("$name $version")
	fi
}

build_pulumi() {
	build_piece pulumi "$ENGINE_DIR/pulumi-cli" "$PULUMI_VERSION" \
		github.com/pulumi/pulumi/pkg/v3/cmd/pulumi \
		"-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION"
}

build_language_nodejs() {
	build_piece pulumi-language-nodejs "$ENGINE_DIR/language-nodejs" "$LANGUAGE_NODEJS_VERSION" \
		github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs \
		"-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$LANGUAGE_NODEJS_VERSION"
}

build_kubernetes() {
	local dir="$ENGINE_DIR/kubernetes" name=pulumi-resource-kubernetes stamp
	local version="$KUBERNETES_VERSION_LABEL (source $KUBERNETES_MODULE@$KUBERNETES_MODULE_VERSION)"
	stamp="$(stamp_of "$name" "$dir" "$version")"
	if is_current "$name" "$stamp"; then
		log "$name $KUBERNETES_VERSION_LABEL: up to date in $BIN_DIR, skipping"
		skipped+=("$name $KUBERNETES_VERSION_LABEL")
		return 0
	fi
	# Upstream's main package embeds schema-embed.json/terraform-mapping-embed.json,
	# which upstream generates (cmd/pulumi-resource-kubernetes/generate.go) and which
	# are not in the module zip. Generate them with that same generator into a
	# scratch dir and map them into our wrapper main package with -overlay.
	local src stage start
	start=$SECONDS
	(cd "$dir" && go mod download "$KUBERNETES_MODULE")
	src="$(cd "$dir" && go list -m -f '{{.Dir}}' "$KUBERNETES_MODULE")/cmd/pulumi-resource-kubernetes"
	[ -f "$src/schema.json" ] || die "no schema.json in $src"
	stage="$(mktemp -d "${TMPDIR:-/tmp}/itops-k8s-schema.XXXXXX")"
	# shellcheck disable=SC2064 # expand $stage now
	trap "rm -rf '$stage'" EXIT
	cp "$src/schema.json" "$src/terraform-mapping.json" "$stage/"
	chmod u+w "$stage"/*.json
	log "$name: generating embedded schema (version $KUBERNETES_VERSION_LABEL) with upstream generate.go ..."
	(cd "$dir" && go build -p "$GO_PARALLEL" -o "$stage/generate" "$src/generate.go")
	(cd "$stage" && VERSION="$KUBERNETES_VERSION_LABEL" ./generate)
	local cmd="$dir/cmd/pulumi-resource-kubernetes"
	printf '{"Replace":{"%s":"%s","%s":"%s"}}\n' \
		"$cmd/schema-embed.json" "$stage/schema-embed.json" \
		"$cmd/terraform-mapping-embed.json" "$stage/terraform-mapping-embed.json" >"$stage/overlay.json"
	local tmp="$BIN_DIR/.$name.tmp.$$"
	log "$name: building $KUBERNETES_MODULE@$KUBERNETES_MODULE_VERSION (go build -p $GO_PARALLEL) ..."
	if (cd "$dir" && go build -p "$GO_PARALLEL" -overlay "$stage/overlay.json" \
		-ldflags "-s -w -X $KUBERNETES_MODULE/pkg/version.Version=$KUBERNETES_VERSION_LABEL" \
		-o "$tmp" ./cmd/pulumi-resource-kubernetes); then
		mv -f "$tmp" "$BIN_DIR/$name"
		printf '%s\n' "$stamp" >"$STAMP_DIR/$name"
		log "$name $KUBERNETES_VERSION_LABEL: built in $((SECONDS - start))s"
		built+=("$name $KUBERNETES_VERSION_LABEL ($((SECONDS - start))s)")
	else
		rm -f "$tmp"
		log "$name: FAILED after $((SECONDS - start))s"
		failed+=("$name $KUBERNETES_VERSION_LABEL")
	fi
	rm -rf "$stage"
	trap - EXIT
}

build_random() {
	# Kept so that `build-engine.sh random` says why there is no binary, and
	# notices if the proxy starts serving the module (then add tools/engine/random).
	local out
	if out="$(cd "$ENGINE_DIR" && go mod download -json "$RANDOM_MODULE@$RANDOM_VERSION" 2>&1)" &&
		! grep -q '"Error"' <<<"$out"; then
		log "pulumi-resource-random: $RANDOM_MODULE@$RANDOM_VERSION is now served, but no build module exists yet (see README)"
	else
		log "pulumi-resource-random: cannot be built: $RANDOM_MODULE@$RANDOM_VERSION is not served by the module proxy:"
		grep -o '"Error": ".*"' <<<"$out" >&2 || printf '%s\n' "$out" >&2
	fi
	failed+=("pulumi-resource-random $RANDOM_VERSION (module not available)")
}

total_start=$SECONDS
for piece in "${pieces[@]}"; do
	case "$piece" in
	pulumi) build_pulumi ;;
	language-nodejs) build_language_nodejs ;;
	kubernetes) build_kubernetes ;;
	random) build_random ;;
	esac
done

echo "Engine binaries in $BIN_DIR (total $((SECONDS - total_start))s):"
for b in "${built[@]+"${built[@]}"}"; do echo "  built:    $b"; done
for s in "${skipped[@]+"${skipped[@]}"}"; do echo "  cached:   $s"; done
for f in "${failed[@]+"${failed[@]}"}"; do echo "  FAILED:   $f"; done
echo "Use it with:"
print_env | sed 's/^/  /'
[ "${#failed[@]}" -eq 0 ]
