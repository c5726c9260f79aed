//! A throwaway PostgreSQL cluster for one test: its own data directory, port and socket folder,
//! so it can be crashed with `pg_ctl stop -m immediate` without touching the server other tests
//! share. Stopped the same way (its data is thrown away) when dropped, even after a failure.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::smtp::free_port;

pub(super) struct Cluster {
    bin: PathBuf,
    data: PathBuf,
    port: u16,
    /// Holds the data directory, the socket and the server's log; removed after the stop.
    dir: tempfile::TempDir,
}

impl Cluster {
    /// Makes the cluster with `initdb` and starts it with every durability setting on.
    pub(super) fn start() -> Cluster {
        let bin = bin_dir();
        let dir = tempfile::tempdir().unwrap();
        if running_as_root() {
            // PostgreSQL refuses to run as root, so its files belong to `postgres`.
            checked(
                Command::new("chown")
                    .arg("postgres:")
                    .arg(dir.path())
                    .output(),
                "chown",
            );
        }
        let data = dir.path().join("data");
        checked(
            as_postgres(&bin.join("initdb"))
                .arg("-D")
                .arg(&data)
                .args(["--auth=trust", "-U", "postgres", "-E", "UTF8"])
                .output(),
            "initdb",
        );
        let cluster = Cluster {
            bin,
            data,
            port: free_port(),
            dir,
        };
        cluster.start_server();
        cluster
    }

    pub(super) fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Starts the server and waits until it takes connections (after crash recovery, when it
    /// was crashed).
    pub(super) fn start_server(&self) {
        let options = format!(
            "-c listen_addresses=127.0.0.1 -p {} -k {} -c fsync=on -c synchronous_commit=on \
             -c full_page_writes=on",
            self.port,
            self.dir.path().display()
        );
        checked(
            self.pg_ctl()
                .arg("-l")
                .arg(self.dir.path().join("server.log"))
                .args(["-w", "-t", "120", "-o", &options, "start"])
                .output(),
            "pg_ctl start",
        );
    }

    /// Crashes the server: every process ends at once, with no checkpoint and no goodbye to
    /// the clients, as after `kill -9` of the postmaster's children.
    pub(super) fn crash(&self) {
        checked(
            self.pg_ctl()
                .args(["-m", "immediate", "-w", "stop"])
                .output(),
            "pg_ctl stop -m immediate",
        );
    }

    fn pg_ctl(&self) -> Command {
        let mut command = as_postgres(&self.bin.join("pg_ctl"));
        command.arg("-D").arg(&self.data);
        command
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self.pg_ctl().args(["-m", "immediate", "stop"]).output();
    }
}

/// `HEARKEN_TEST_PG_BIN`, else `pg_config --bindir`, else the newest `/usr/lib/postgresql/*/bin`
/// (Debian's layout); the first that holds `initdb`.
fn bin_dir() -> PathBuf {
    let from_env = std::env::var_os("HEARKEN_TEST_PG_BIN").map(PathBuf::from);
    let from_pg_config = Command::new("pg_config")
        .arg("--bindir")
        .output()
        .ok()
        .filter(|output| output.status.success())
        .map(|output| PathBuf::from(String::from_utf8_lossy(&output.stdout).trim()));
    let newest_debian = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version: u32 = entry.file_name().to_str()?.parse().ok()?;
            Some((version, entry.path().join("bin")))
        })
        .max()
        .map(|(_, bin)| bin);
    [from_env, from_pg_config, newest_debian]
        .into_iter()
        .flatten()
        .find(|bin| bin.join("initdb").exists())
        .expect(
            "no PostgreSQL server programs (initdb): set HEARKEN_TEST_PG_BIN, or install \
             Debian's postgresql",
        )
}

fn running_as_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// `program` run as the `postgres` user when the test runs as root, else as the test's user.
fn as_postgres(program: &Path) -> Command {
    if running_as_root() {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--"]).arg(program);
        command
    } else {
        Command::new(program)
    }
}

fn checked(output: std::io::Result<Output>, what: &str) {
    let output = output.unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        output.status.success(),
        "{what} failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
