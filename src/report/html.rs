//! The HTML renderer: one self-contained file (inline CSS, inline SVG
//! charts drawn here, a little inline JavaScript for sorting and filtering)
//! that opens from disk with no network.
//!
//! Sections: summary (and the gate's verdict), one card per system with a
//! chart of granted vs used vs unused vs unobservable by access level, the
//! PCI distribution, a sortable and filterable identity table, and each
//! identity's findings and unused permissions. Sizes are bounded: at most
//! [`MAX_NAMES`] unused permissions are named per identity and
//! [`MAX_NAMES_TOTAL`] in the whole file; the JSON report holds them all.
//! Without JavaScript everything is still there, in the report's order.

use std::fmt::Write as _;
use std::io::Write;

use super::{IdentityReport, LevelCounts, Report, SystemReport};
use crate::analysis::findings::Severity;
use crate::analysis::pci::{self, PciLevel};
use crate::catalog::AccessLevel;
use crate::gate::Verdict;

/// Unused permissions named per identity.
pub const MAX_NAMES: usize = 500;
/// Unused permissions named in the whole file.
pub const MAX_NAMES_TOTAL: usize = 200_000;

/// Text and attribute escaping.
fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

fn date(t: jiff::Timestamp) -> String {
    t.strftime("%Y-%m-%d").to_string()
}

const CSS: &str = r#"
:root{--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--bg:#ffffff;--card:#f6f8fa;
--used:#2da44e;--unused:#cf222e;--unobs:#8c959f;--low:#2da44e;--medium:#bf8700;--high:#cf222e}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg);margin:0;padding:24px 32px;max-width:1400px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 10px;border-bottom:1px solid var(--line);padding-bottom:4px}
h3{font-size:15px;margin:0 0 8px}
.muted{color:var(--muted)}
.banner{padding:10px 14px;border-radius:6px;margin:12px 0;font-weight:600}
.banner.pass{background:#dafbe1;border:1px solid #4ac26b}.banner.fail{background:#ffebe9;border:1px solid #ff8182}
.banner.partial{background:#fff8c5;border:1px solid #d4a72c}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:12px 0}
.card{background:var(--card);border:1px solid var(--line);border-radius:6px;padding:10px 14px;min-width:130px}
.card .n{font-size:22px;font-weight:600}
.systems{display:grid;grid-template-columns:repeat(auto-fill,minmax(560px,1fr));gap:14px}
.system{border:1px solid var(--line);border-radius:6px;padding:12px 14px}
.legend span{display:inline-block;margin-right:14px}.legend i{display:inline-block;width:10px;height:10px;margin-right:4px;border-radius:2px}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:5px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{background:var(--card);position:sticky;top:0}
#identities th{cursor:pointer;user-select:none;white-space:nowrap}
#identities th[aria-sort=ascending]::after{content:" \25B2"}#identities th[aria-sort=descending]::after{content:" \25BC"}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.pci{display:inline-block;min-width:34px;text-align:center;border-radius:10px;color:#fff;font-weight:600;padding:0 6px}
.pci.low{background:var(--low)}.pci.medium{background:var(--medium)}.pci.high{background:var(--high)}
.sev{font-weight:600}.sev.high{color:var(--high)}.sev.medium{color:var(--medium)}.sev.low{color:var(--muted)}
.tag{font-size:12px;border:1px solid var(--line);border-radius:10px;padding:0 6px;margin-left:4px;color:var(--muted)}
details.identity{border:1px solid var(--line);border-radius:6px;margin:8px 0;padding:6px 12px}
details.identity summary{cursor:pointer}
ul.perms{columns:3 260px;font:12px ui-monospace,SFMono-Regular,Menlo,monospace;margin:6px 0;padding-left:18px}
input#filter{padding:5px 8px;border:1px solid var(--line);border-radius:6px;width:320px;margin:0 0 8px}
svg.chart{max-width:100%;height:auto}
td.sys{white-space:nowrap}
code{font:12px ui-monospace,SFMono-Regular,Menlo,monospace}
"#;

/// Sorts the identity table by a clicked header (numbers by `data-v`),
/// filters it by the search box, and applies `#sort=COLUMN-asc|desc` from
/// the address on load (PCI, highest first, by default). Marks
/// `body[data-ready]` once it has run.
const JS: &str = r#"
(function(){
var table=document.getElementById('identities');if(!table){document.body.dataset.ready='1';return;}
var tbody=table.tBodies[0],heads=table.tHead.rows[0].cells;
function key(row,i,num){var c=row.cells[i];var v=c.getAttribute('data-v');if(num){return parseFloat(v===null?c.textContent:v)||0;}return (v===null?c.textContent:v).toLowerCase();}
function sortBy(i,dir){var num=heads[i].classList.contains('num');var rows=Array.prototype.slice.call(tbody.rows);
rows.sort(function(a,b){var x=key(a,i,num),y=key(b,i,num);var r=x<y?-1:x>y?1:0;if(r===0){r=a.dataset.order-b.dataset.order;return r;}return dir==='asc'?r:-r;});
rows.forEach(function(r){tbody.appendChild(r);});
for(var j=0;j<heads.length;j++){heads[j].removeAttribute('aria-sort');}
heads[i].setAttribute('aria-sort',dir==='asc'?'ascending':'descending');table.dataset.sorted=heads[i].dataset.col+'-'+dir;}
for(var i=0;i<heads.length;i++){(function(i){heads[i].addEventListener('click',function(){
var cur=heads[i].getAttribute('aria-sort');var num=heads[i].classList.contains('num');
var dir=cur==='descending'?'asc':cur==='ascending'?'desc':(num?'desc':'asc');sortBy(i,dir);});})(i);}
var f=document.getElementById('filter');if(f){f.addEventListener('input',function(){var q=f.value.toLowerCase();
Array.prototype.forEach.call(tbody.rows,function(r){r.hidden=q!==''&&r.textContent.toLowerCase().indexOf(q)<0;});});}
var m=/sort=([a-z_]+)-(asc|desc)/.exec(location.hash),col=m?m[1]:'pci',dir=m?m[2]:'desc';
for(var k=0;k<heads.length;k++){if(heads[k].dataset.col===col){sortBy(k,dir);}}
document.body.dataset.ready='1';
})();
"#;

fn pci_badge(score: u8, level: PciLevel) -> String {
    format!(
        "<span class=\"pci {l}\" title=\"PCI {score} ({l})\">{score}</span>",
        l = level.label()
    )
}

/// Granted = used + unused + unobservable per access level, as stacked bars.
fn level_chart(sys: &SystemReport) -> String {
    let rows: Vec<(&AccessLevel, &LevelCounts)> = sys.by_access_level.iter().collect();
    if rows.is_empty() {
        return "<p class=\"muted\">No permission granted.</p>".into();
    }
    let max = rows
        .iter()
        .map(|(_, c)| c.granted)
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let (label_w, bar_w, row_h) = (172.0, 200.0, 26.0);
    let height = row_h * rows.len() as f64 + 6.0;
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg class=\"chart levels\" role=\"img\" width=\"{w}\" height=\"{height}\" viewBox=\"0 0 {w} {height}\" aria-label=\"{sys}: permissions by access level\">",
        w = label_w + bar_w + 236.0,
        sys = esc(&sys.id),
    );
    for (n, (level, c)) in rows.iter().enumerate() {
        let y = n as f64 * row_h + 3.0;
        let _ = write!(
            s,
            "<text x=\"0\" y=\"{ty}\" font-size=\"12\">{}</text>",
            esc(level.label()),
            ty = y + 15.0
        );
        let mut x = label_w;
        for (count, color, what) in [
            (c.used, "var(--used)", "used"),
            (c.unused, "var(--unused)", "unused"),
            (c.unobservable, "var(--unobs)", "unobservable"),
        ] {
            if count == 0 {
                continue;
            }
            let w = (count as f64 / max * bar_w).max(1.0);
            let _ = write!(
                s,
                "<rect class=\"{what}\" x=\"{x:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"18\" fill=\"{color}\"><title>{} {what}: {count}</title></rect>",
                esc(level.label()),
            );
            x += w;
        }
        let _ = write!(
            s,
            "<text x=\"{tx:.1}\" y=\"{ty}\" font-size=\"12\" fill=\"#57606a\">{} granted · {} unused</text>",
            c.granted,
            c.unused,
            tx = x + 6.0,
            ty = y + 15.0
        );
    }
    s.push_str("</svg>");
    s
}

/// Identities per PCI decile (0–9, …, 90–100), coloured by level.
fn pci_chart(ids: &[IdentityReport]) -> String {
    let mut buckets = [0usize; 10];
    for i in ids {
        buckets[(i.pci as usize / 10).min(9)] += 1;
    }
    let max = buckets.iter().copied().max().unwrap_or(0).max(1) as f64;
    let (w, h, bw, top) = (560.0, 180.0, 48.0, 16.0);
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg class=\"chart pci-dist\" role=\"img\" width=\"{w}\" height=\"{hh}\" viewBox=\"0 0 {w} {hh}\" aria-label=\"identities by PCI\">",
        hh = h + 40.0
    );
    for (n, &count) in buckets.iter().enumerate() {
        let bh = count as f64 / max * h;
        let x = 20.0 + n as f64 * (bw + 6.0);
        let y = top + h - bh;
        let level = pci::level((n * 10) as u8);
        let range = if n == 9 {
            "90–100".to_string()
        } else {
            format!("{}–{}", n * 10, n * 10 + 9)
        };
        let _ = write!(
            s,
            "<rect class=\"bucket\" data-count=\"{count}\" x=\"{x:.1}\" y=\"{y:.1}\" width=\"{bw}\" height=\"{bh:.1}\" fill=\"var(--{l})\"><title>PCI {range}: {count} identities</title></rect>\
             <text x=\"{cx:.1}\" y=\"{ty:.1}\" font-size=\"12\" text-anchor=\"middle\">{count}</text>\
             <text x=\"{cx:.1}\" y=\"{ly:.1}\" font-size=\"11\" text-anchor=\"middle\" fill=\"#57606a\">{range}</text>",
            l = level.label(),
            cx = x + bw / 2.0,
            ty = (y - 3.0).max(11.0),
            ly = top + h + 16.0,
        );
    }
    s.push_str("</svg>");
    s
}

fn sev_count(m: &std::collections::BTreeMap<Severity, usize>, s: Severity) -> usize {
    m.get(&s).copied().unwrap_or(0)
}

fn card(out: &mut String, n: impl std::fmt::Display, label: &str) {
    let _ = write!(
        out,
        "<div class=\"card\"><div class=\"n\">{n}</div><div class=\"muted\">{}</div></div>",
        esc(label)
    );
}

fn anchor(n: usize) -> String {
    format!("identity-{n}")
}

pub fn render(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    let mut h = String::with_capacity(64 * 1024);
    let by = report.findings_by_severity();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n\
         <title>permgap report, {}</title>\n<style>{CSS}</style>\n</head>\n<body>\n",
        date(report.as_of)
    );
    let _ = writeln!(
        h,
        "<header><h1>permgap: the permissions gap</h1><p class=\"muted\">Window {} to {} ({} days) · permgap {} · report schema {}</p></header>",
        date(report.window_start),
        date(report.as_of),
        report.window_days,
        esc(&report.tool.version),
        report.schema_version
    );
    if let Some(g) = &report.gate {
        let (class, text) = match g.verdict {
            Verdict::Pass => ("pass", "Gate passed"),
            Verdict::Fail => ("fail", "Gate failed"),
            Verdict::Partial => ("partial", "Gate: partial data"),
        };
        let _ = writeln!(
            h,
            "<div id=\"verdict\" class=\"banner {class}\" data-verdict=\"{class}\">{text}: {} threshold breach(es), {} finding(s) counted, {} suppressed{} (config: {})</div>",
            g.breaches.len(),
            g.findings_counted.values().sum::<usize>(),
            g.findings_suppressed,
            if g.baseline.is_some() {
                format!(", {} in the baseline", g.findings_baselined)
            } else {
                String::new()
            },
            esc(&g.config)
        );
    }
    if report.partial {
        let _ = writeln!(
            h,
            "<div class=\"banner partial\">Partial data: {} input(s) were skipped (see Coverage below).</div>",
            report.coverage.skipped.len()
        );
    }

    // Summary.
    h.push_str("<section id=\"summary\"><h2>Summary</h2><div class=\"cards\">");
    card(&mut h, report.identities.len(), "identities");
    card(&mut h, report.systems.len(), "systems");
    let unused: usize = report.identities.iter().map(|i| i.unused).sum();
    let granted: usize = report.identities.iter().map(|i| i.granted).sum();
    card(&mut h, granted, "permissions granted");
    card(&mut h, unused, "granted and unused");
    card(&mut h, sev_count(&by, Severity::High), "high findings");
    card(&mut h, sev_count(&by, Severity::Medium), "medium findings");
    card(&mut h, sev_count(&by, Severity::Low), "low findings");
    if !report.ignored_identities.is_empty() {
        card(&mut h, report.ignored_identities.len(), "ignored by config");
    }
    h.push_str("</div></section>\n");

    if let Some(g) = report.gate.as_ref().filter(|g| !g.breaches.is_empty()) {
        h.push_str("<section id=\"breaches\"><h2>Threshold breaches</h2><table><thead><tr><th>Threshold</th><th>System</th><th>Identity</th><th class=\"num\">Limit</th><th class=\"num\">Value</th><th>Why</th></tr></thead><tbody>");
        for b in &g.breaches {
            let _ = write!(
                h,
                "<tr><td><code>{}</code></td><td>{} {}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
                esc(&b.threshold),
                b.cloud,
                esc(&b.system),
                esc(b.identity.as_deref().unwrap_or("")),
                b.limit,
                b.value,
                esc(&b.message)
            );
        }
        h.push_str("</tbody></table></section>\n");
    }

    // Systems.
    h.push_str("<section id=\"systems\"><h2>Systems</h2><p class=\"legend\"><span><i style=\"background:var(--used)\"></i>used</span><span><i style=\"background:var(--unused)\"></i>unused</span><span><i style=\"background:var(--unobs)\"></i>unobservable (no log records it: never called unused)</span></p><div class=\"systems\">");
    for s in &report.systems {
        let _ = write!(
            h,
            "<div class=\"system\" data-system=\"{id}\"><h3>{cloud} {id} {badge}</h3><p class=\"muted\">{n} identities · granted {g} · used {u} · unused {un} · unobservable {uo}{obs}</p>{chart}</div>",
            cloud = s.cloud,
            id = esc(&s.id),
            badge = pci_badge(s.pci, s.pci_level),
            n = s.identities,
            g = s.granted,
            u = s.used,
            un = s.unused,
            uo = s.unobservable,
            obs = if s.usage_observed {
                ""
            } else {
                " · <strong>no usage source covers it</strong>"
            },
            chart = level_chart(s),
        );
    }
    h.push_str("</div></section>\n");

    // PCI distribution.
    let _ = writeln!(
        h,
        "<section id=\"pci\"><h2>Permission Creep Index</h2><p class=\"muted\">Identities per PCI range (low 0–33, medium 34–66, high 67–100).</p>{}</section>",
        pci_chart(&report.identities)
    );

    // The identity table.
    h.push_str("<section id=\"identity-table\"><h2>Identities</h2><input id=\"filter\" type=\"search\" placeholder=\"Filter identities\" aria-label=\"Filter identities\">\
        <table id=\"identities\"><thead><tr>\
        <th data-col=\"name\">Identity</th><th data-col=\"kind\">Kind</th><th data-col=\"system\">System</th>\
        <th data-col=\"pci\" class=\"num\">PCI</th><th data-col=\"granted\" class=\"num\">Granted</th><th data-col=\"used\" class=\"num\">Used</th>\
        <th data-col=\"unused\" class=\"num\">Unused</th><th data-col=\"unobservable\" class=\"num\">Unobservable</th>\
        <th data-col=\"findings\" class=\"num\">Findings</th><th data-col=\"last_activity\">Last activity</th></tr></thead><tbody>");
    for (n, i) in report.identities.iter().enumerate() {
        let kind = serde_json::to_value(i.kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let last = i.last_activity.map(date).unwrap_or_default();
        let _ = write!(
            h,
            "<tr data-order=\"{n}\" data-id=\"{id}\"><td data-v=\"{name}\"><a href=\"#{a}\">{name}</a></td><td>{kind}</td><td class=\"sys\">{cloud} {sys}</td>\
             <td class=\"num\" data-v=\"{pci}\">{badge}</td><td class=\"num\">{g}</td><td class=\"num\">{u}</td><td class=\"num\">{un}</td><td class=\"num\">{uo}</td>\
             <td class=\"num\">{f}</td><td data-v=\"{last}\">{last_shown}</td></tr>",
            id = esc(&i.id),
            name = esc(&i.name),
            a = anchor(n),
            cloud = i.cloud,
            sys = esc(&i.system),
            pci = i.pci,
            badge = pci_badge(i.pci, i.pci_level),
            g = i.granted,
            u = i.used,
            un = i.unused,
            uo = i.unobservable,
            f = i.findings.len(),
            last_shown = if last.is_empty() {
                "never seen".into()
            } else {
                last.clone()
            },
        );
    }
    h.push_str("</tbody></table></section>\n");
    out.write_all(h.as_bytes())?;
    h.clear();

    // Each identity's details, written one by one.
    out.write_all(b"<section id=\"details\"><h2>Findings and unused permissions</h2>\n")?;
    let mut named_total = 0usize;
    for (n, i) in report.identities.iter().enumerate() {
        if i.findings.is_empty() && i.unused == 0 {
            continue;
        }
        let _ = write!(
            h,
            "<details class=\"identity\" id=\"{a}\" data-id=\"{id}\"><summary>{badge} <strong>{name}</strong> <span class=\"muted\">{id}</span>{tags}</summary>",
            a = anchor(n),
            id = esc(&i.id),
            name = esc(&i.name),
            badge = pci_badge(i.pci, i.pci_level),
            tags = i
                .findings
                .iter()
                .map(|f| format!("<span class=\"tag\">{}</span>", esc(&f.short)))
                .collect::<String>(),
        );
        if !i.findings.is_empty() {
            h.push_str("<table class=\"findings\"><thead><tr><th>Severity</th><th>Finding</th><th>Details</th></tr></thead><tbody>");
            for f in &i.findings {
                let mut note = String::new();
                if let Some(s) = &f.suppressed {
                    let _ = write!(
                        note,
                        " <span class=\"tag\">suppressed: {}</span>",
                        esc(&s.reason)
                    );
                }
                if f.baseline == Some(crate::gate::BaselineState::Unchanged) {
                    note.push_str(" <span class=\"tag\">in baseline</span>");
                }
                let _ = write!(
                    h,
                    "<tr class=\"finding\" data-finding=\"{fid}\"><td class=\"sev {sev}\">{sev}</td><td><code>{fid}</code>{note}<br>{title}</td><td>{msg}</td></tr>",
                    fid = esc(&f.id),
                    sev = f.severity.label(),
                    title = esc(&f.title),
                    msg = esc(&f.message),
                );
            }
            h.push_str("</tbody></table>");
        }
        if i.unused > 0 {
            let room = MAX_NAMES.min(MAX_NAMES_TOTAL.saturating_sub(named_total));
            let names = i.unused_permissions.names(room);
            named_total += names.len();
            let _ = write!(
                h,
                "<p>{} unused permission(s){}:</p><ul class=\"perms unused\">",
                i.unused,
                if names.len() < i.unused {
                    format!(
                        ", the first {} named (the JSON report lists all)",
                        names.len()
                    )
                } else {
                    String::new()
                }
            );
            for p in &names {
                let _ = write!(h, "<li>{}</li>", esc(p));
            }
            h.push_str("</ul>");
        }
        h.push_str("</details>\n");
        out.write_all(h.as_bytes())?;
        h.clear();
    }
    out.write_all(b"</section>\n")?;

    // Coverage and the gate's notes.
    h.push_str("<section id=\"coverage\"><h2>Coverage</h2>");
    if report.coverage.sources.is_empty() {
        h.push_str("<p>No usage source.</p>");
    } else {
        h.push_str(
            "<table><thead><tr><th>Source</th><th>System</th><th>Input</th></tr></thead><tbody>",
        );
        for s in &report.coverage.sources {
            let kind = serde_json::to_value(s.kind)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            let _ = write!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&kind),
                esc(s.system.as_deref().unwrap_or("")),
                esc(&s.input)
            );
        }
        h.push_str("</tbody></table>");
    }
    if !report.coverage.skipped.is_empty() {
        h.push_str("<h3>Skipped</h3><ul id=\"skipped\">");
        for s in &report.coverage.skipped {
            let _ = write!(
                h,
                "<li><code>{}</code>: {}</li>",
                esc(&s.input),
                esc(&s.reason)
            );
        }
        h.push_str("</ul>");
    }
    if !report.coverage.warnings.is_empty() {
        let _ = write!(
            h,
            "<p class=\"muted\">{} warning(s); the JSON report lists them.</p>",
            report.coverage.warnings.len()
        );
    }
    if let Some(g) = &report.gate {
        for (title, list) in [
            ("Expired suppressions", &g.expired_suppressions),
            (
                "Suppressions that matched nothing",
                &g.unmatched_suppressions,
            ),
        ] {
            if list.is_empty() {
                continue;
            }
            let _ = write!(h, "<h3>{title}</h3><ul>");
            for s in list {
                let _ = write!(
                    h,
                    "<li><code>{}</code>: {}{}</li>",
                    esc(&s.suppression),
                    esc(&s.reason),
                    s.expires
                        .map(|d| format!(" (expires {d})"))
                        .unwrap_or_default()
                );
            }
            h.push_str("</ul>");
        }
    }
    h.push_str("</section>\n");
    let _ = write!(h, "<script>{JS}</script>\n</body>\n</html>\n");
    out.write_all(h.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            esc("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
