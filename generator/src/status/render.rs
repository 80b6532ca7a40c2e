//! `gen status` as a table (one line per account × region, each problem and its fix below
//! it) and as one self-contained HTML page.

use super::Place;
use crate::report::escape;

fn state(place: &Place) -> &'static str {
    match (place.excluded, place.healthy) {
        (true, _) => "EXCLUDED",
        (false, true) => "OK",
        (false, false) if place.unreadable() => "UNREADABLE",
        (false, false) => "UNHEALTHY",
    }
}

/// One line of what is there: instance, recorder, rules.
fn summary(place: &Place) -> String {
    if place.excluded {
        return "excluded from the rollout (--exclude-accounts)".into();
    }
    let instance = place
        .stack_instance
        .as_ref()
        .map_or("no instance".into(), |i| {
            format!(
                "instance {}{}",
                i.status,
                i.detailed_status
                    .as_ref()
                    .map_or(String::new(), |d| format!("/{d}"))
            )
        });
    let recorder = match &place.recorder {
        None => "recorder ?",
        Some(r) if !r.present => "no recorder",
        Some(r) if r.recording == Some(false) => "recorder stopped",
        Some(_) => "recording",
    };
    let present = place
        .rules
        .iter()
        .filter(|r| r.config_rule.is_some())
        .count();
    format!(
        "{instance}, {recorder}, {present}/{} rules",
        place.rules.len()
    )
}

pub fn table(places: &[Place]) -> String {
    let mut out = format!(
        "{:<14}{:<16}{:<12}{}\n",
        "ACCOUNT", "REGION", "STATE", "SUMMARY"
    );
    for place in places {
        out.push_str(&format!(
            "{:<14}{:<16}{:<12}{}\n",
            place.account,
            place.region,
            state(place),
            summary(place)
        ));
        for problem in &place.problems {
            out.push_str(&format!(
                "    {}\n      fix: {}\n",
                problem.problem, problem.fix
            ));
        }
    }
    let unhealthy = places.iter().filter(|p| !p.healthy).count();
    out.push_str(&format!(
        "\n{} account-region(s), {unhealthy} unhealthy\n",
        places.len()
    ));
    out
}

pub fn html(places: &[Place], pack: &str) -> String {
    let mut rows = String::new();
    let mut ordered: Vec<&Place> = places.iter().collect();
    ordered.sort_by_key(|p| p.healthy);
    for place in ordered {
        let problems: String = place
            .problems
            .iter()
            .map(|p| {
                format!(
                    "<li>{}<br><span class=\"fix\">fix: {}</span></li>",
                    escape(&p.problem),
                    escape(&p.fix)
                )
            })
            .collect();
        rows.push_str(&format!(
            "<tr class=\"{}\"><td>{}</td><td>{}</td><td>{}</td><td>{}<ul>{problems}</ul></td></tr>\n",
            state(place).to_ascii_lowercase(),
            escape(&place.account),
            escape(&place.region),
            state(place),
            escape(&summary(place)),
        ));
    }
    let unhealthy = places.iter().filter(|p| !p.healthy).count();
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\
         <title>{pack} rollout status</title><style>\
         body{{font-family:system-ui,sans-serif;margin:1.5rem}}table{{border-collapse:collapse;width:100%}}\
         td,th{{border-bottom:1px solid #ddd;padding:.35rem .6rem;text-align:left;vertical-align:top}}\
         tr.unhealthy td:nth-child(3),tr.unreadable td:nth-child(3){{color:#b00020;font-weight:600}}\
         tr.ok td:nth-child(3){{color:#1b5e20}}.fix{{color:#555}}ul{{margin:.3rem 0 0 1rem;padding:0}}\
         </style></head><body><h1>{pack} rollout status</h1>\
         <p>{} account-region(s), {unhealthy} unhealthy</p>\
         <table><thead><tr><th>Account</th><th>Region</th><th>State</th><th>What is there, and what to fix</th></tr></thead>\
         <tbody>\n{rows}</tbody></table></body></html>\n",
        places.len()
    )
}
