// Command gomodzip writes the module zip of a Go module directory: the exact archive a Go module proxy
// serves for module@version (golang.org/x/mod/zip, the code the go command itself uses), so `make dist`
// ships what `go get` would fetch once the module is published. Unpacked, its top directory is
// <module>@<version>/, usable from another module through a `replace` directive.
//
// The files are the ones git keeps in that directory (tracked, plus untracked ones .gitignore does not
// exclude), so build outputs such as bin/ or a compiled *.test never reach the archive.
//
//	gomodzip -dir clients/go -version v0.1.0 -o dist/redbeat-go-v0.1.0.zip
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
	modzip "golang.org/x/mod/zip"
)

func main() {
	dir := flag.String("dir", "", "the module's directory (holds go.mod)")
	version := flag.String("version", "", "the module version, e.g. v0.1.0")
	out := flag.String("o", "", "the zip file to write")
	flag.Parse()
	if *dir == "" || *version == "" || *out == "" {
		fmt.Fprintln(os.Stderr, "usage: gomodzip -dir DIR -version vX.Y.Z -o FILE.zip")
		os.Exit(2)
	}
	if err := run(*dir, *version, *out); err != nil {
		fmt.Fprintln(os.Stderr, "gomodzip:", err)
		os.Exit(1)
	}
}

func run(dir, version, out string) error {
	gomod, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		return err
	}
	path := modfile.ModulePath(gomod)
	if path == "" {
		return fmt.Errorf("%s/go.mod: no module line", dir)
	}
	mv := module.Version{Path: path, Version: version}
	if err := module.Check(mv.Path, mv.Version); err != nil {
		return err
	}
	names, err := gitFiles(dir)
	if err != nil {
		return err
	}
	files := make([]modzip.File, 0, len(names))
	for _, name := range names {
		files = append(files, file{root: dir, name: name})
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	if err := modzip.Create(f, mv, files); err != nil {
		f.Close()
		os.Remove(out)
		return err
	}
	return f.Close()
}

// gitFiles lists the files git keeps under dir, relative to it, slash-separated.
func gitFiles(dir string) ([]string, error) {
	cmd := exec.Command("git", "ls-files", "--cached", "--others", "--exclude-standard", "-z", "--", ".")
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	listing, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("git ls-files in %s (make dist runs in a git checkout): %v %s", dir, err, strings.TrimSpace(stderr.String()))
	}
	var names []string
	for _, name := range strings.Split(string(listing), "\x00") {
		if name == "" {
			continue
		}
		// a tracked file deleted in the work tree is still listed by --cached
		if _, err := os.Lstat(filepath.Join(dir, filepath.FromSlash(name))); errors.Is(err, os.ErrNotExist) {
			continue
		}
		names = append(names, name)
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("git keeps no files in %s", dir)
	}
	return names, nil
}

// file is one module file for modzip.Create.
type file struct{ root, name string }

func (f file) Path() string { return f.name }

func (f file) Lstat() (os.FileInfo, error) {
	return os.Lstat(filepath.Join(f.root, filepath.FromSlash(f.name)))
}

func (f file) Open() (io.ReadCloser, error) {
	return os.Open(filepath.Join(f.root, filepath.FromSlash(f.name)))
}
