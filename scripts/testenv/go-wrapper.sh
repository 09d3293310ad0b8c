# Sourced by the testenv build scripts: building main packages of a module through the Go module
# proxy, from a wrapper module that requires that module at a pinned version, so the module's own
# replace directives (relative paths into its repository) do not apply.

# The path of the go.mod of module@version, downloaded through the proxy.
go_mod_file() {
  go mod download -json "$1@$2" | python3 -c 'import json,sys; print(json.load(sys.stdin)["GoMod"])'
}

# go_wrapper_module <dir> <module> <version> "<package> [<package>...]" [replace line...]
# Writes the wrapper go.mod (same go version as the module) and resolves its requirements.
go_wrapper_module() {
  local dir=$1 module=$2 version=$3 packages=$4
  shift 4
  mkdir -p "$dir"
  local goversion
  goversion=$(awk '$1 == "go" { print $2; exit }' "$(cd "$dir" && go_mod_file "$module" "$version")")
  {
    printf 'module kubemend.local/testenv/wrapper\n\ngo %s\n\nrequire %s %s\n' "$goversion" "$module" "$version"
    if [ $# -gt 0 ]; then
      printf '\nreplace (\n'
      printf '\t%s\n' "$@"
      printf ')\n'
    fi
  } > "$dir/go.mod"
  {
    printf '//go:build tools\n\npackage tools\n\nimport (\n'
    for package in $packages; do printf '\t_ "%s"\n' "$package"; done
    printf ')\n'
  } > "$dir/tools.go"
  # Checksums the module's own go.sum records (GO_SUM_SEED) verify dependencies the checksum
  # database does not list.
  if [ -n "${GO_SUM_SEED:-}" ]; then cp "$GO_SUM_SEED" "$dir/go.sum"; fi
  (cd "$dir" && GOFLAGS=-mod=mod go mod tidy >&2)
}

# go_build <dir> <package> <output> [extra ldflags]: a static, stripped binary, written atomically.
go_build() {
  local dir=$1 package=$2 output=$3 ldflags=${4:-}
  mkdir -p "$(dirname "$output")"
  (cd "$dir" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w $ldflags" -o "$output.tmp" "$package" >&2)
  mv "$output.tmp" "$output"
}
