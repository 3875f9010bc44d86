//! Run-time plugins. The test builds, with cargo, into `target/plugin-tests`: the command
//! line WITHOUT the SQLite dialect (`--no-default-features --features plugins`), the
//! SQLite dialect packaged as a plugin (`dialects/sqlite-plugin`), and a plugin that
//! misbehaves on request (`tests/plugins/misbehaving`). Then it clones a database
//! through the plugin, and checks that every kind of broken plugin gets one clear
//! error line and no crash.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, OnceLock};

use schema_replicator::plugin::host::PluginDialect;
use schema_replicator::{DdlApplier, DdlExtractor, Origin, Phase, Policy, Registry};
use schema_replicator_testkit as kit;

/// What the nested cargo build produced.
struct Built {
    /// `schema-replicator` built without any dialect, with plugin support.
    bare_cli: PathBuf,
    /// The SQLite dialect as a plugin.
    sqlite_plugin: PathBuf,
    /// The misbehaving plugin.
    misbehaving: PathBuf,
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace holds cli/")
        .to_owned()
}

fn library(dir: &Path, crate_name: &str) -> PathBuf {
    use std::env::consts::{DLL_PREFIX, DLL_SUFFIX};
    dir.join(format!("{DLL_PREFIX}{crate_name}{DLL_SUFFIX}"))
}

/// Builds once per test process. A separate target directory keeps the nested cargo
/// from waiting on the lock of the cargo that runs this test.
fn built() -> &'static Built {
    static BUILT: OnceLock<Built> = OnceLock::new();
    BUILT.get_or_init(|| {
        let target = workspace().join("target/plugin-tests");
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let out = Command::new(cargo)
            .current_dir(workspace())
            .args([
                "build",
                "--locked",
                "-p",
                "schema-replicator-cli",
                "--no-default-features",
                "--features",
                "schema-replicator-cli/plugins",
                "-p",
                "schema-replicator-sqlite-plugin",
                "-p",
                "misbehaving-plugin",
                "--target-dir",
            ])
            .arg(&target)
            .output()
            .expect("run cargo");
        assert!(
            out.status.success(),
            "nested cargo build failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let debug = target.join("debug");
        let built = Built {
            bare_cli: debug.join(format!("schema-replicator{}", std::env::consts::EXE_SUFFIX)),
            sqlite_plugin: library(&debug, "schema_replicator_sqlite_plugin"),
            misbehaving: library(&debug, "misbehaving_plugin"),
        };
        for path in [&built.bare_cli, &built.sqlite_plugin, &built.misbehaving] {
            assert!(path.is_file(), "{} was not built", path.display());
        }
        built
    })
}

fn example() -> String {
    format!(
        "sqlite://{}",
        workspace().join("examples/kitchen-sink.db").display()
    )
}

fn url(path: &Path) -> String {
    format!("sqlite://{}", path.display())
}

fn show(path: &Path) -> String {
    path.display().to_string()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The CLI without SQLite, with no plugin directory in its environment.
fn bare() -> Command {
    let mut command = Command::new(&built().bare_cli);
    command.env_remove("SCHEMA_REPLICATOR_PLUGIN_PATH");
    command
}

/// The CLI of this package, SQLite built in.
fn full() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_schema-replicator"));
    command.env_remove("SCHEMA_REPLICATOR_PLUGIN_PATH");
    command
}

fn run(mut command: Command, args: &[&str]) -> Output {
    command.args(args).output().expect("run schema-replicator")
}

/// Asserts exit code 2 and exactly one line on stderr, and no panic of the host (whose
/// report starts `thread '<name>' panicked at`): returns that line.
fn fails(command: Command, args: &[&str]) -> String {
    let out = run(command, args);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        !err.contains("thread '") && !err.contains("RUST_BACKTRACE"),
        "{err}"
    );
    err.trim_end().to_owned()
}

/// The line and column of the `panic!` in the misbehaving plugin's source.
fn misbehaving_panic_location() -> String {
    let file = "tests/plugins/misbehaving/src/lib.rs";
    let source = std::fs::read_to_string(workspace().join(file)).unwrap();
    let (number, line) = source
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains("panic!(\"told to panic"))
        .expect("the plugin panics somewhere");
    format!("{file}:{}:{}", number + 1, line.find("panic!").unwrap() + 1)
}

#[test]
fn the_bare_cli_lists_the_sqlite_plugin_and_clones_through_it() {
    let plugin = show(&built().sqlite_plugin);
    let out = run(bare(), &["--plugin", &plugin, "dialects"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let origin = format!("plugin {plugin}");
    let width = origin.len();
    assert_eq!(
        stdout(&out),
        format!(
            "name       url schemes            {:<width$} capabilities\n\
             sqlite     sqlite:                {origin} transactional DDL, adds constraints by table rebuild, creates tables complete for an empty copy\n",
            "origin"
        )
    );

    let dir = tempfile::tempdir().unwrap();
    let copy = url(&dir.path().join("copy.db"));
    // `--plugin` before the subcommand ...
    let out = run(bare(), &["--plugin", &plugin, "clone", &example(), &copy]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        format!("cloned schema into {copy}: pre 0, base 10, seal 8 statements\n")
    );
    // ... or after it.
    let out = run(bare(), &["diff", &example(), &copy, "--plugin", &plugin]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
    assert_eq!(stderr(&out), "no differences\n");
    // The built-in dialect reads the copy the same way.
    let out = run(full(), &["diff", &example(), &copy]);
    assert_eq!(stderr(&out), "no differences\n");
}

#[test]
fn a_plugin_named_without_a_directory_is_looked_up_in_the_current_one() {
    let dir = built().sqlite_plugin.parent().unwrap();
    let name = built().sqlite_plugin.file_name().unwrap().to_str().unwrap();
    let mut command = bare();
    // Without a search path, a bare name found anywhere must come from `dir`.
    command.current_dir(dir).env_remove("LD_LIBRARY_PATH");
    let out = run(command, &["--plugin", name, "dialects"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains(&format!(" plugin {name} ")),
        "{}",
        stdout(&out)
    );
}

#[test]
fn plugins_are_found_in_the_directories_of_the_environment_variable() {
    let dir = tempfile::tempdir().unwrap();
    let plugins = dir.path().join("plugins");
    std::fs::create_dir(&plugins).unwrap();
    let installed = plugins.join(built().sqlite_plugin.file_name().unwrap());
    std::fs::copy(&built().sqlite_plugin, &installed).unwrap();
    // Files without the platform's library extension are not plugins.
    std::fs::write(plugins.join("README.txt"), "not a plugin\n").unwrap();
    let search_path = std::env::join_paths([
        dir.path().join("empty-but-absent-is-an-error"),
        plugins.clone(),
    ])
    .unwrap();
    let err = fails(
        {
            let mut c = bare();
            c.env("SCHEMA_REPLICATOR_PLUGIN_PATH", &search_path);
            c
        },
        &["dialects"],
    );
    assert_eq!(
        err,
        format!(
            "error: plugin {}: SCHEMA_REPLICATOR_PLUGIN_PATH lists it, but it is not a directory",
            show(&dir.path().join("empty-but-absent-is-an-error"))
        )
    );

    let mut command = bare();
    command.env("SCHEMA_REPLICATOR_PLUGIN_PATH", &plugins);
    let out = run(command, &["dialects"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains(&format!("plugin {}", show(&installed))),
        "{}",
        stdout(&out)
    );
    let copy = url(&dir.path().join("copy.db"));
    let mut command = bare();
    command.env("SCHEMA_REPLICATOR_PLUGIN_PATH", &plugins);
    let out = run(command, &["clone", &example(), &copy]);
    assert!(out.status.success(), "{}", stderr(&out));
    let mut command = bare();
    command.env("SCHEMA_REPLICATOR_PLUGIN_PATH", &plugins);
    let out = run(command, &["diff", &example(), &copy]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stderr(&out), "no differences\n");
}

#[test]
fn without_the_plugin_the_bare_cli_names_the_feature_and_the_plugin() {
    let out = run(bare(), &["dialects"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "name       url schemes            origin     capabilities\n"
    );
    assert_eq!(
        fails(bare(), &["snapshot", &example()]),
        format!(
            "error: {}: the sqlite dialect is not in this build; enable the `sqlite` feature of \
             schema-replicator or load a sqlite dialect plugin (--plugin PATH or \
             SCHEMA_REPLICATOR_PLUGIN_PATH)",
            example()
        )
    );
}

fn load(path: &Path) -> Registry {
    let dialect = PluginDialect::load(path).unwrap_or_else(|e| panic!("{e}"));
    let mut registry = Registry::default();
    registry
        .add(Arc::new(dialect), Origin::Plugin(show(path)))
        .unwrap();
    registry
}

#[test]
fn the_sqlite_plugin_passes_the_round_trip_kit_in_process() {
    let registry = load(&built().sqlite_plugin);
    let dir = tempfile::tempdir().unwrap();
    let source = kit::round_trip(&registry, &example(), &url(&dir.path().join("a.db")), || {});
    kit::assert_plan_invariants(source.plan());
    kit::assert_snapshot_round_trip(&source);
    let report = kit::clone_and_compare(&registry, &example(), &url(&dir.path().join("b.db")));
    assert_eq!(report.phases.len(), 3);
    assert!(report.phases.iter().all(|(_, r)| r.transactional));
    // Reflection costs the same through the plugin as built in.
    assert_eq!(
        source.queries(),
        DdlExtractor::new(&example()).unwrap().queries()
    );
    let dialect = registry.by_name("sqlite").unwrap();
    assert_eq!(dialect.quote_ident("a\"b"), "\"a\"\"b\"");
}

/// Seals a copy of the kitchen sink that holds one orphan row, with `registry`.
fn seal_with_an_orphan(registry: &Registry, dir: &Path) -> schema_replicator::Error {
    let source = DdlExtractor::open(&example(), registry, &Policy::default()).unwrap();
    let target = DdlApplier::open(&url(&dir.join("orphan.db")), registry).unwrap();
    target.apply_phase(&source, Phase::Base).unwrap();
    target
        .apply_ddl(&[
            "INSERT INTO album (album_id, artist_id, title, price) VALUES (1, 99, 'x', 1)"
                .to_owned(),
        ])
        .unwrap();
    target.apply_phase(&source, Phase::Seal).unwrap_err()
}

#[test]
fn a_dialect_error_crosses_the_boundary_with_its_message() {
    let dir = tempfile::tempdir().unwrap();
    let built_in = dir.path().join("built-in");
    let plugin = dir.path().join("plugin");
    std::fs::create_dir(&built_in).unwrap();
    std::fs::create_dir(&plugin).unwrap();
    let expected = seal_with_an_orphan(&Registry::builtin().unwrap(), &built_in).to_string();
    assert_eq!(
        expected,
        "seal refused: foreign key (\"artist_id\") -> \"artist\"(\"artist_id\") on table \
         \"album\" has 1 orphan row (e.g. 99); nothing was applied"
    );
    let through_plugin = seal_with_an_orphan(&load(&built().sqlite_plugin), &plugin);
    let schema_replicator::Error::RefusedRows {
        violations,
        outcome,
    } = &through_plugin
    else {
        panic!("not a refusal: {through_plugin:?}");
    };
    assert_eq!(outcome, "nothing was applied");
    assert_eq!(violations.len(), 1);
    assert_eq!(
        violations[0].problem,
        schema_replicator::Problem::OrphanRows
    );
    assert_eq!(violations[0].rows, 1);
    assert_eq!(through_plugin.to_string(), expected);
}

#[test]
fn a_panicking_or_garbled_plugin_call_is_an_error_and_the_host_goes_on() {
    let path = &built().misbehaving;
    let registry = load(path);
    let reflect = |u: &str| DdlExtractor::open(u, &registry, &Policy::default());
    assert_eq!(
        reflect("misbehaving://panic").err().unwrap().to_string(),
        format!(
            "plugin {}: reflect panicked at {}: told to panic by misbehaving://panic",
            show(path),
            misbehaving_panic_location()
        )
    );
    assert_eq!(
        reflect("misbehaving://invalid-json")
            .err()
            .unwrap()
            .to_string(),
        format!(
            "plugin {}: reflect returned invalid JSON: EOF while parsing a value at line 1 \
             column 18",
            show(path)
        )
    );
    // The plugin and the host both still work.
    let empty = reflect("misbehaving://empty").unwrap();
    assert_eq!(empty.schema().tables, vec![]);
    let dialect = registry.by_name("misbehaving").unwrap();
    assert_eq!(dialect.quote_ident("a`b"), "`a``b`");
    assert_eq!(
        dialect
            .apply(
                &schema_replicator::DbUrl::parse("misbehaving://panic").unwrap(),
                &[]
            )
            .unwrap_err()
            .to_string(),
        format!(
            "plugin {}: apply panicked at {}: told to panic by misbehaving://panic",
            show(path),
            misbehaving_panic_location()
        )
    );
}

#[test]
fn a_panicking_plugin_is_one_error_line_from_the_cli() {
    let path = show(&built().misbehaving);
    assert_eq!(
        fails(
            bare(),
            &["--plugin", &path, "snapshot", "misbehaving://panic"]
        ),
        format!(
            "error: plugin {path}: reflect panicked at {}: told to panic by misbehaving://panic",
            misbehaving_panic_location()
        )
    );
    assert_eq!(
        fails(
            bare(),
            &["--plugin", &path, "snapshot", "misbehaving://invalid-json"]
        ),
        format!(
            "error: plugin {path}: reflect returned invalid JSON: EOF while parsing a value at \
             line 1 column 18"
        )
    );
}

#[test]
fn a_file_that_is_not_a_library_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir
        .path()
        .join(format!("notes{}", std::env::consts::DLL_SUFFIX));
    std::fs::write(
        &path,
        "These are notes, not a shared library, although the file name says otherwise.\n",
    )
    .unwrap();
    let shown = show(&path);
    let err = fails(full(), &["dialects", "--plugin", &shown]);
    if cfg!(target_os = "linux") {
        assert_eq!(
            err,
            format!(
                "error: plugin {shown}: cannot load it as a shared library: invalid ELF header"
            )
        );
    } else {
        assert!(
            err.starts_with(&format!(
                "error: plugin {shown}: cannot load it as a shared library: "
            )),
            "{err}"
        );
    }
    let missing = show(&dir.path().join("missing.so"));
    assert_eq!(
        fails(full(), &["dialects", "--plugin", &missing]),
        format!("error: plugin {missing}: no such file")
    );
}

#[test]
fn a_library_without_the_entry_symbol_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("other.rs");
    std::fs::write(
        &source,
        "#[unsafe(no_mangle)]\npub extern \"C\" fn something_else() -> u32 { 7 }\n",
    )
    .unwrap();
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let out = Command::new(rustc)
        .args([
            "--crate-type",
            "cdylib",
            "--crate-name",
            "other",
            "--out-dir",
        ])
        .arg(dir.path())
        .arg(&source)
        .output()
        .expect("run rustc");
    assert!(out.status.success(), "{}", stderr(&out));
    let path = show(&library(dir.path(), "other"));
    assert_eq!(
        fails(full(), &["--plugin", &path, "dialects"]),
        format!(
            "error: plugin {path}: it exports no `schema_replicator_plugin_entry` symbol: it is \
             not a Schema Replicator plugin"
        )
    );
}

#[test]
fn a_plugin_of_another_abi_version_is_refused_before_any_call() {
    let path = show(&built().misbehaving);
    let mut command = bare();
    command.env("MISBEHAVING_PLUGIN_ABI", "3");
    assert_eq!(
        fails(command, &["--plugin", &path, "dialects"]),
        format!(
            "error: plugin {path}: it implements plugin ABI version 3; this build implements \
             version 2 (rebuild the plugin against schema-replicator-plugin {})",
            env!("CARGO_PKG_VERSION")
        )
    );
}

#[test]
fn two_dialects_claiming_one_scheme_conflict() {
    let plugin = show(&built().sqlite_plugin);
    // The plugin against the built-in SQLite dialect.
    assert_eq!(
        fails(full(), &["--plugin", &plugin, "dialects"]),
        format!(
            "error: URL scheme `sqlite:` is claimed by both sqlite (built-in) and sqlite \
             (plugin {plugin})"
        )
    );
    // Two copies of the plugin. (The same file named twice is loaded once.)
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join(built().sqlite_plugin.file_name().unwrap());
    std::fs::copy(&built().sqlite_plugin, &copy).unwrap();
    let copy = show(&copy);
    assert_eq!(
        fails(
            bare(),
            &["--plugin", &plugin, "--plugin", &copy, "dialects"]
        ),
        format!(
            "error: URL scheme `sqlite:` is claimed by both sqlite (plugin {plugin}) and sqlite \
             (plugin {copy})"
        )
    );
    let out = run(
        bare(),
        &["--plugin", &plugin, "--plugin", &plugin, "dialects"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).lines().count(), 2, "{}", stdout(&out));
}
