//! The `hearken` command: parses the command line and hands over to the library.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "hearken",
    version,
    about = "Self-hosted surveys with personal links, coupons, prize draws, focus groups, a complaint log, results, themes and exports"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (the default).
    Serve,
    /// Manage staff users.
    User {
        #[command(subcommand)]
        action: UserAction,
    },
    /// Manage API tokens.
    Token {
        #[command(subcommand)]
        action: TokenAction,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Load demo surveys with responses into the configured database.
    Demo,
    /// Print the OpenAPI document of the JSON API (the one served at /api/v1/openapi.json).
    Openapi,
    /// Survey results.
    Results {
        #[command(subcommand)]
        action: ResultsAction,
    },
    /// Copy the SQLite database to a new file while the server runs (PostgreSQL: use pg_dump).
    Backup {
        /// The backup file to create; it must not exist yet.
        file: std::path::PathBuf,
    },
    /// Prize draws.
    Draw {
        #[command(subcommand)]
        action: DrawAction,
    },
}

#[derive(Subcommand)]
enum DrawAction {
    /// Recompute a published draw (/draws/{survey_id}.json, a file or an http(s) URL) and say
    /// whether it matches. Exit 0 when it does, 1 when it does not, 2 when it cannot be read.
    Verify {
        /// A file path or an http:// or https:// URL.
        source: String,
    },
}

#[derive(Subcommand)]
enum ResultsAction {
    /// Count the kept figures again from the stored answers (every survey with responses, or
    /// one), and print each survey's id and response count.
    Rebuild {
        /// Only this survey.
        #[arg(long)]
        survey: Option<String>,
    },
}

#[derive(Subcommand)]
enum UserAction {
    /// Add a staff user; the password comes from HEARKEN_PASSWORD or is asked for.
    Add {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        #[arg(long, value_parser = ["admin", "designer", "analyst"])]
        role: String,
    },
}

#[derive(Subcommand)]
enum TokenAction {
    /// Print a new API token for the user with this email.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "cli")]
        label: String,
    },
}

fn read_password() -> Result<String, String> {
    if let Ok(password) = std::env::var("HEARKEN_PASSWORD") {
        return Ok(password);
    }
    let first = rpassword::prompt_password("Password: ")
        .map_err(|e| format!("cannot read the password: {e}"))?;
    let again = rpassword::prompt_password("Password again: ")
        .map_err(|e| format!("cannot read the password: {e}"))?;
    if first != again {
        return Err("the passwords do not match".into());
    }
    Ok(first)
}

/// The report goes to stdout whatever it says; the exit code is what a script checks.
fn verify_draw(source: &str) -> ExitCode {
    match hearken::incentive::verify::check_source(source) {
        Ok(report) => {
            print!("{report}");
            if report.ok() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Err(message) => {
            eprintln!("hearken: {message}");
            ExitCode::from(2)
        }
    }
}

fn run(command: Command) -> Result<ExitCode, String> {
    let figment = hearken::figment();
    match command {
        Command::Serve => {
            let closing = rocket::execute(hearken::serve::run(figment))?;
            // The database's last connection folds the write-ahead log in and removes it;
            // a process that exits before that leaves the log behind.
            if let Some(closing) = closing
                && !closing.wait(std::time::Duration::from_secs(10))
            {
                eprintln!("hearken: the database was still in use at exit");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::User {
            action: UserAction::Add { email, name, role },
        } => {
            let password = read_password()?;
            let id = hearken::commands::user_add(&figment, &email, &name, &role, &password)?;
            println!("{id}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Token {
            action: TokenAction::Create { email, label },
        } => {
            let token = hearken::commands::token_create(&figment, &email, &label)?;
            println!("{token}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo => {
            let settings = hearken::Settings::from_figment(&figment).map_err(|e| e.to_string())?;
            // The links go to stdout (one per survey) whatever happened; what happened, to
            // stderr.
            for loaded in hearken::commands::demo(&figment)? {
                let (id, note) = match loaded {
                    hearken::demo::Loaded::Made(id) => (id, "made"),
                    hearken::demo::Loaded::AlreadyThere(id) => {
                        (id, "already there from an earlier run, left as it is")
                    }
                };
                let link = settings.link(&format!("/s/{id}"));
                eprintln!("demo survey {note}: {link}");
                println!("{link}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Openapi => {
            let json = hearken::openapi::to_json().map_err(|e| e.to_string())?;
            println!("{json}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Draw {
            action: DrawAction::Verify { source },
        } => Ok(verify_draw(&source)),
        Command::Results {
            action: ResultsAction::Rebuild { survey },
        } => {
            for (id, responses) in hearken::commands::results_rebuild(&figment, survey.as_deref())?
            {
                println!("{id}\t{responses}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Backup { file } => {
            let report = hearken::ops::backup::run(&figment, &file)?;
            println!("{report}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate => {
            let applied = hearken::commands::migrate(&figment)?;
            if applied.is_empty() {
                eprintln!("the database is up to date");
            }
            for name in applied {
                eprintln!("applied {name}");
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// glibc serves allocations above a threshold with their own mappings, returned to the system
/// when freed, but raises that threshold to the size of each such block freed. After one big
/// upload, the next uploads' buffers then come from the heap and their pages stay with the
/// process: measured, 40 MB kept after a few 16 MiB imports instead of 10 MB. A fixed threshold
/// keeps every buffer of 128 KiB or more in a mapping of its own.
fn return_big_buffers_to_the_system() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes the allocator's tuning; it is called before any thread starts.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Whatever the server writes (the database, the cookie key, outgoing mail) is for the
    // account it runs as only; this covers files that libraries create themselves.
    #[cfg(target_os = "linux")]
    rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o077));
    return_big_buffers_to_the_system();
    match run(cli.command.unwrap_or(Command::Serve)) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("hearken: {message}");
            ExitCode::FAILURE
        }
    }
}
