//! The one directory `seedance mcp` writes under (`--out-root`): every path
//! a tool names is resolved inside it, component by component, refusing
//! `..`, absolute paths elsewhere and symbolic links (never followed).

use std::path::{Component, Path, PathBuf};

/// The canonical `--out-root`.
#[derive(Debug, Clone)]
pub(crate) struct Root {
    dir: PathBuf,
}

impl Root {
    /// Creates `dir` when missing and keeps its canonical form.
    pub(crate) fn open(dir: &Path) -> std::io::Result<Root> {
        std::fs::create_dir_all(dir)?;
        Ok(Root {
            dir: dir.canonicalize()?,
        })
    }

    /// The root itself.
    pub(crate) fn path(&self) -> &Path {
        &self.dir
    }

    /// The directory `rel` names under the root (relative to it, or
    /// absolute inside it), created when `create` and missing. `field`
    /// names the tool argument in errors.
    pub(crate) fn dir(&self, field: &str, rel: &str, create: bool) -> Result<PathBuf, String> {
        let mut cur = self.dir.clone();
        for part in self.relative(field, rel)? {
            cur.push(part);
            match std::fs::symlink_metadata(&cur) {
                Ok(m) if m.file_type().is_symlink() => {
                    return Err(format!(
                        "{field}: `{rel}` goes through a symbolic link ({}); the server does not follow links",
                        cur.display()
                    ));
                }
                Ok(m) if !m.is_dir() => {
                    return Err(format!("{field}: {} is not a directory", cur.display()));
                }
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound && create => {
                    std::fs::create_dir(&cur)
                        .map_err(|e| format!("{field}: cannot create {}: {e}", cur.display()))?;
                }
                // Not there yet, and not to be created: nothing under it can be a link.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(format!("{field}: {}: {e}", cur.display())),
            }
        }
        Ok(cur)
    }

    /// The file `rel` names under the root: its directory as [`Root::dir`]
    /// (created), and the file itself neither a link nor a directory.
    pub(crate) fn file(&self, field: &str, rel: &str) -> Result<PathBuf, String> {
        let parts = self.relative(field, rel)?;
        let Some((name, parents)) = parts.split_last() else {
            return Err(format!("{field}: names the root directory, not a file"));
        };
        let parent = parents
            .iter()
            .map(|p| p.to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        let dir = self.dir(field, &parent, true)?;
        let path = dir.join(name);
        match std::fs::symlink_metadata(&path) {
            Ok(m) if m.file_type().is_symlink() => Err(format!(
                "{field}: {} is a symbolic link; the server does not follow links",
                path.display()
            )),
            Ok(m) if m.is_dir() => Err(format!("{field}: {} is a directory", path.display())),
            _ => Ok(path),
        }
    }

    /// Whether `path` (a file to read, such as a local image) is under the
    /// root once every link in it is resolved.
    pub(crate) fn contains(&self, path: &Path) -> bool {
        path.canonicalize().is_ok_and(|p| p.starts_with(&self.dir))
    }

    /// `rel` as plain names under the root.
    fn relative(&self, field: &str, rel: &str) -> Result<Vec<std::ffi::OsString>, String> {
        let outside = || {
            format!(
                "{field}: `{rel}` is outside the server's output root {}; give a path relative to it",
                self.dir.display()
            )
        };
        let path = Path::new(rel);
        let path = if path.is_absolute() {
            path.strip_prefix(&self.dir).map_err(|_| outside())?
        } else {
            path
        };
        let mut parts = Vec::new();
        for c in path.components() {
            match c {
                Component::Normal(p) => parts.push(p.to_owned()),
                Component::CurDir => {}
                Component::ParentDir => {
                    return Err(format!(
                        "{field}: `{rel}` contains `..`; paths must stay under the output root"
                    ));
                }
                Component::RootDir | Component::Prefix(_) => return Err(outside()),
            }
        }
        Ok(parts)
    }
}

#[cfg(test)]
mod tests {
    use super::Root;

    fn root() -> (Root, std::path::PathBuf) {
        let base = std::env::temp_dir().join(format!(
            "seedance-mcp-root-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        ));
        let root = Root::open(&base.join("root")).unwrap();
        (root, base)
    }

    #[test]
    fn directories_are_created_under_the_root() {
        let (root, base) = root();
        let d = root.dir("out", "films/one", true).unwrap();
        assert!(d.is_dir());
        assert!(d.starts_with(root.path()));
        let abs = root.path().join("films");
        assert_eq!(root.dir("out", abs.to_str().unwrap(), false).unwrap(), abs);
        std::fs::remove_dir_all(base).ok();
    }

    #[test]
    fn escapes_are_refused() {
        let (root, base) = root();
        let e = root.dir("out", "../elsewhere", true).unwrap_err();
        assert!(e.contains("`..`"), "{e}");
        let e = root.dir("out", "/tmp", true).unwrap_err();
        assert!(e.contains("outside the server's output root"), "{e}");
        let e = root.file("path", "a/../../x.mp4").unwrap_err();
        assert!(e.starts_with("path: "), "{e}");
        assert!(!base.join("elsewhere").exists());
        std::fs::remove_dir_all(base).ok();
    }

    #[test]
    fn symbolic_links_are_not_followed() {
        let (root, base) = root();
        std::fs::create_dir_all(base.join("outside")).unwrap();
        std::os::unix::fs::symlink(base.join("outside"), root.path().join("link")).unwrap();
        let e = root.dir("out", "link/film", true).unwrap_err();
        assert!(e.contains("symbolic link"), "{e}");
        assert!(!base.join("outside/film").exists());
        std::os::unix::fs::symlink(base.join("outside/f"), root.path().join("f.mp4")).unwrap();
        let e = root.file("path", "f.mp4").unwrap_err();
        assert!(e.contains("symbolic link"), "{e}");
        assert!(!root.contains(&root.path().join("link")));
        std::fs::remove_dir_all(base).ok();
    }
}
