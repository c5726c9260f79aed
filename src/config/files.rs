//! The data directory's permissions: it holds the database, the cookie key and outgoing mail
//! with personal links, so only the account the server runs as may read it. Folders are created
//! 0700 and files 0600 whatever the process umask, and looser ones left by an older version or
//! by hand are tightened at start.

use std::fs::OpenOptions;
use std::io;
use std::path::Path;

/// Creates `dir` and any missing parents, readable by the owner only.
pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Options that create a file readable and writable by the owner only.
pub fn private_file() -> OpenOptions {
    let mut options = OpenOptions::new();
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
}

/// Creates `path` empty and owner-only unless it exists (SQLite gives its `-wal` and `-shm`
/// files the main file's permissions, so the main file must be private before SQLite opens it).
pub fn touch_private(path: &Path) -> io::Result<()> {
    match private_file().write(true).create_new(true).open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

/// What [`tighten`] changed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Tightened {
    pub dirs: usize,
    pub files: usize,
}

/// Takes group and other permissions away from `root` and everything below it (symbolic links
/// are left alone, not followed). Paths that do not exist are skipped.
pub fn tighten(root: &Path) -> io::Result<Tightened> {
    let mut tightened = Tightened::default();
    #[cfg(unix)]
    tighten_below(root, &mut tightened, 0)?;
    #[cfg(not(unix))]
    let _ = root;
    Ok(tightened)
}

/// A data directory is shallow (the outbox is one level down); the bound only stops a loop.
#[cfg(unix)]
const MAX_DEPTH: usize = 8;

#[cfg(unix)]
fn tighten_below(path: &Path, tightened: &mut Tightened, depth: usize) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let meta = match std::fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    let mode = meta.permissions().mode() & 0o7777;
    if meta.is_dir() {
        if mode & 0o077 != 0 {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode & 0o700))?;
            tightened.dirs += 1;
        }
        if depth < MAX_DEPTH {
            for entry in std::fs::read_dir(path)? {
                tighten_below(&entry?.path(), tightened, depth + 1)?;
            }
        }
    } else if meta.is_file() && mode & 0o077 != 0 {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode & 0o600))?;
        tightened.files += 1;
    }
    Ok(())
}
