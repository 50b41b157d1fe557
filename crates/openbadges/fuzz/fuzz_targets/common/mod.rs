//! Shared by the fuzz targets.

/// Makes only panics that escape the crate's API count as findings.
///
/// libfuzzer-sys installs a panic hook that aborts at the first panic, even one the code under
/// test catches on purpose (`proof::canon::to_rdf` stops the json-ld crates' panics on hostile
/// IRIs with `catch_unwind` and answers with an error). This puts back a hook that only prints;
/// a panic that unwinds out of the target is still caught by libfuzzer-sys, which aborts, so it
/// is still a crash.
pub fn report_only_escaping_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        std::panic::set_hook(Box::new(|info| eprintln!("panic (caught or not): {info}")));
    });
}
