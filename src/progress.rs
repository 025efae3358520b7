//! Progress of a live collection on stderr: a bar of the accounts done, one
//! line per account being collected (its current step), and under it one
//! line per source (LookupEvents per region, Access Advisor per identity, the
//! S3 listing). A line goes away when its account is done, so the screen
//! shows what is running. Hidden with `--quiet` or when stderr is not a
//! terminal.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

const TICK: Duration = Duration::from_millis(120);

/// Whether progress is drawn: not with `--quiet`, nor when stderr is not a
/// terminal.
fn shown(quiet: bool) -> bool {
    !quiet && std::io::stderr().is_terminal()
}

/// One bar of `len` steps drawn with `template` (indicatif's); its length
/// can be set later, when it is known.
pub fn bar(quiet: bool, len: u64, template: &str) -> ProgressBar {
    if !shown(quiet) {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    pb.set_style(style(template));
    pb
}

/// The progress display of one collection.
#[derive(Clone)]
pub struct Bars {
    multi: MultiProgress,
    visible: bool,
}

fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template)
        .unwrap_or_else(|_| ProgressStyle::default_spinner())
        .progress_chars("=> ")
}

impl Bars {
    pub fn new(quiet: bool) -> Bars {
        if !shown(quiet) {
            return Bars::with_target(ProgressDrawTarget::hidden(), false);
        }
        Bars::with_target(ProgressDrawTarget::stderr(), true)
    }

    fn with_target(target: ProgressDrawTarget, visible: bool) -> Bars {
        Bars {
            multi: MultiProgress::with_draw_target(target),
            visible,
        }
    }

    fn add(&self, pb: ProgressBar) -> ProgressBar {
        let pb = self.multi.add(pb);
        if self.visible {
            pb.enable_steady_tick(TICK);
        }
        pb
    }

    /// The bar of accounts done (with one account, a line saying what runs).
    pub fn accounts(&self, total: usize) -> ProgressBar {
        let pb = ProgressBar::new(total as u64);
        pb.set_style(style(if total > 1 {
            "{spinner} accounts [{bar:30}] {pos}/{len} {msg}"
        } else {
            "{spinner} {msg}"
        }));
        pb.set_message(if total > 1 { "" } else { "collecting from AWS" });
        self.add(pb)
    }

    /// A line of its own (S3 listing and the like), under the others.
    pub fn line(&self, what: &str) -> ProgressBar {
        let pb = ProgressBar::new_spinner();
        pb.set_style(style("{spinner} {msg}"));
        pb.set_message(what.to_string());
        self.add(pb)
    }

    /// The line of an account being collected.
    pub fn account(&self, label: &str) -> AccountBars {
        let line = ProgressBar::new_spinner();
        line.set_style(style("{spinner} {prefix}: {msg}"));
        line.set_prefix(label.to_string());
        AccountBars {
            multi: self.multi.clone(),
            visible: self.visible,
            line: self.add(line),
            sources: Mutex::new(Vec::new()),
        }
    }
}

/// An account's line and the lines of its sources.
pub struct AccountBars {
    multi: MultiProgress,
    visible: bool,
    line: ProgressBar,
    sources: Mutex<Vec<ProgressBar>>,
}

impl AccountBars {
    /// What the account's collection is doing now.
    pub fn step(&self, what: &str) {
        self.line.set_message(what.to_string());
    }

    /// A source's line under the account's: a bar of `len` `unit`s when the
    /// total is known, else a counter the caller sets the message of.
    pub fn source(&self, name: &str, len: Option<u64>, unit: &str) -> ProgressBar {
        let pb = match len {
            Some(n) => {
                let pb = ProgressBar::new(n);
                pb.set_style(style(&format!(
                    "  {{spinner}} {{prefix}} [{{bar:30}}] {{pos}}/{{len}} {unit}"
                )));
                pb
            }
            None => {
                let pb = ProgressBar::new_spinner();
                pb.set_style(style("  {spinner} {prefix}: {msg}"));
                pb
            }
        };
        pb.set_prefix(name.to_string());
        let mut sources = self
            .sources
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // Below the account's line and its earlier sources, in order.
        let after = sources
            .iter()
            .rev()
            .find(|p| !p.is_finished())
            .unwrap_or(&self.line);
        let pb = self.multi.insert_after(after, pb);
        if self.visible {
            pb.enable_steady_tick(TICK);
        }
        sources.push(pb.clone());
        pb
    }
}

/// The account is done (or its task ended otherwise): its lines go.
impl Drop for AccountBars {
    fn drop(&mut self) {
        for pb in self
            .sources
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .drain(..)
        {
            pb.finish_and_clear();
        }
        self.line.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    /// A terminal that keeps every line drawn.
    #[derive(Debug, Default, Clone)]
    struct Screen(Arc<Mutex<Vec<String>>>);

    impl indicatif::TermLike for Screen {
        fn width(&self) -> u16 {
            120
        }
        fn move_cursor_up(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_down(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_right(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_left(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn write_line(&self, s: &str) -> std::io::Result<()> {
            self.write_str(s)
        }
        fn write_str(&self, s: &str) -> std::io::Result<()> {
            if !s.trim().is_empty() {
                self.0.lock().expect("lock").push(s.to_string());
            }
            Ok(())
        }
        fn clear_line(&self) -> std::io::Result<()> {
            Ok(())
        }
        fn flush(&self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn each_account_and_source_has_its_line_and_they_go_when_done() {
        let screen = Screen::default();
        let target = ProgressDrawTarget::term_like_with_hz(Box::new(screen.clone()), 250);
        let bars = Bars::with_target(target, false);
        let accounts = bars.accounts(2);
        let app = bars.account("account 111111111111 (app)");
        app.step("authorization details");
        let lookup = app.source("LookupEvents us-east-1", None, "");
        lookup.set_message("150 events");
        let advisor = app.source("Access Advisor", Some(4), "identities");
        advisor.inc(3);
        accounts.inc(1);
        let wanted = [
            "account 111111111111 (app): authorization details",
            "LookupEvents us-east-1: 150 events",
            "Access Advisor [",
            "3/4 identities",
            "accounts [",
            "1/2",
        ];
        // Draws are rate-limited: tick until the last state is on screen.
        let mut drawn = String::new();
        for _ in 0..200 {
            accounts.tick();
            drawn = screen.0.lock().expect("lock").join("\n");
            if wanted.iter().all(|w| drawn.contains(w)) {
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        for want in [
            "account 111111111111 (app): authorization details",
            "LookupEvents us-east-1: 150 events",
            "Access Advisor [",
            "3/4 identities",
            "accounts [",
            "1/2",
        ] {
            assert!(drawn.contains(want), "{want:?} not in:\n{drawn}");
        }
        drop(app);
        assert!(lookup.is_finished() && advisor.is_finished());
    }
}
