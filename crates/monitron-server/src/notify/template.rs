//! Message templates (MiniJinja): a plain-text title per event, and a body per event in
//! each channel format. Values are escaped for the format they land in (HTML for e-mail,
//! Telegram MarkdownV2, Slack mrkdwn, Markdown), so a monitor named `a_b*c` or `<x>`
//! never breaks a message; the templates' own text is the format's markup.
//!
//! Admins override any title or body with `PUT /settings/notification-templates`, keyed
//! `title.<event>` or `<channel type>.<event>`; a rule's `message` template replaces the
//! alert's message line.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use minijinja::{AutoEscape, Environment, Error, ErrorKind, Output, State, Value};
use serde::{Deserialize, Serialize};

use super::Event;

/// The markup a channel's message bodies are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// Plain text.
    Text,
    /// Markdown (Discord, Gotify).
    Markdown,
    /// Slack's mrkdwn (also Google Chat's text formatting).
    Mrkdwn,
    /// Telegram's MarkdownV2.
    MarkdownV2,
    /// HTML (e-mail, Matrix).
    Html,
    /// The channel sends the structured data itself, no rendered body (webhook,
    /// Alertmanager).
    Data,
}

impl Format {
    /// The template-name suffix that selects this format's escaping.
    fn suffix(self) -> &'static str {
        match self {
            Self::Text | Self::Data => "txt",
            Self::Markdown => "md",
            Self::Mrkdwn => "mrkdwn",
            Self::MarkdownV2 => "md2",
            Self::Html => "html",
        }
    }
}

const TITLE: &str = "\
{%- if type == 'alert.firing' %}[FIRING] {{ rule.name }}: {{ monitor.name }}
{%- elif type == 'alert.reminder' %}[STILL FIRING] {{ rule.name }}: {{ monitor.name }}
{%- elif type == 'alert.resolved' %}[RESOLVED] {{ rule.name }}: {{ monitor.name }}
{%- elif type == 'alert.acknowledged' %}[ACKNOWLEDGED] {{ rule.name }}: {{ monitor.name }}
{%- elif type == 'alert.digest' %}[FIRING] {{ alerts | length }} alerts
{%- elif type == 'status.report' %}[VISITOR REPORT] {{ monitor.name }} on {{ rule.name }}
{%- else %}Monitron test message{% endif %}";

const TEXT: &str = "\
{%- if type == 'test' -%}
This is a test message from Monitron. If you can read it, the channel works.
{%- elif type == 'alert.digest' -%}
{{ alerts | length }} alerts fired:
{% for a in alerts[:25] %}- {{ a.monitor.name }}: {{ a.alert.message }} ({{ a.rule.name }}, {{ a.alert.severity }})
{% endfor %}{% if alerts | length > 25 %}... and {{ alerts | length - 25 }} more
{% endif %}
{%- else -%}
{{ alert.message }}
Monitor: {{ monitor.name }} ({{ monitor.type }}{% if monitor.target %}, {{ monitor.target }}{% endif %})
Severity: {{ alert.severity }}{% if alert.value is not none %}, value {{ alert.value }}{% endif %}
{% if type == 'alert.resolved' %}Resolved at {{ alert.resolved_at }}{% else %}Since {{ alert.started_at }}{% endif %}
{%- if ack_url and type != 'alert.resolved' %}
Acknowledge: {{ ack_url }}{% endif %}
{%- endif %}";

const MARKDOWN: &str = "\
{%- if type == 'test' -%}
This is a **test message** from Monitron. If you can read it, the channel works.
{%- elif type == 'alert.digest' -%}
**{{ alerts | length }} alerts fired**
{% for a in alerts[:25] %}- **{{ a.monitor.name }}**: {{ a.alert.message }} ({{ a.rule.name }}, {{ a.alert.severity }})
{% endfor %}{% if alerts | length > 25 %}... and {{ alerts | length - 25 }} more
{% endif %}
{%- else -%}
{{ alert.message }}
**Monitor:** {{ monitor.name }} ({{ monitor.type }}{% if monitor.target %}, {{ monitor.target }}{% endif %})
**Severity:** {{ alert.severity }}{% if alert.value is not none %}, value {{ alert.value }}{% endif %}
{% if type == 'alert.resolved' %}**Resolved at** {{ alert.resolved_at }}{% else %}**Since** {{ alert.started_at }}{% endif %}
{%- if ack_url and type != 'alert.resolved' %}
[Acknowledge]({{ ack_url | safe }}){% endif %}
{%- endif %}";

const MRKDWN: &str = "\
{%- if type == 'test' -%}
This is a *test message* from Monitron. If you can read it, the channel works.
{%- elif type == 'alert.digest' -%}
*{{ alerts | length }} alerts fired*
{% for a in alerts[:25] %}• *{{ a.monitor.name }}*: {{ a.alert.message }} ({{ a.rule.name }}, {{ a.alert.severity }})
{% endfor %}{% if alerts | length > 25 %}... and {{ alerts | length - 25 }} more
{% endif %}
{%- else -%}
*{{ title }}*
{{ alert.message }}
*Monitor:* {{ monitor.name }} ({{ monitor.type }}{% if monitor.target %}, {{ monitor.target }}{% endif %})
*Severity:* {{ alert.severity }}{% if alert.value is not none %}, value {{ alert.value }}{% endif %}
{% if type == 'alert.resolved' %}*Resolved at* {{ alert.resolved_at }}{% else %}*Since* {{ alert.started_at }}{% endif %}
{%- if ack_url and type != 'alert.resolved' %}
<{{ ack_url }}|Acknowledge>{% endif %}
{%- endif %}";

const MARKDOWN_V2: &str = "\
{%- if type == 'test' -%}
This is a *test message* from Monitron\\. If you can read it, the channel works\\.
{%- elif type == 'alert.digest' -%}
*{{ alerts | length }} alerts fired*
{% for a in alerts[:25] %}• *{{ a.monitor.name }}*: {{ a.alert.message }} \\({{ a.rule.name }}, {{ a.alert.severity }}\\)
{% endfor %}{% if alerts | length > 25 %}\\.\\.\\. and {{ alerts | length - 25 }} more
{% endif %}
{%- else -%}
*{{ title }}*
{{ alert.message }}
*Monitor:* {{ monitor.name }} \\({{ monitor.type }}{% if monitor.target %}, {{ monitor.target }}{% endif %}\\)
*Severity:* {{ alert.severity }}{% if alert.value is not none %}, value {{ alert.value }}{% endif %}
{% if type == 'alert.resolved' %}*Resolved at* {{ alert.resolved_at }}{% else %}*Since* {{ alert.started_at }}{% endif %}
{%- if ack_url and type != 'alert.resolved' %}
[Acknowledge]({{ ack_url | md2_url }}){% endif %}
{%- endif %}";

const HTML: &str = "\
{%- if type == 'test' -%}
<p>This is a <b>test message</b> from Monitron. If you can read it, the channel works.</p>
{%- elif type == 'alert.digest' -%}
<p><b>{{ alerts | length }} alerts fired</b></p>
<ul>
{% for a in alerts[:100] %}<li><b>{{ a.monitor.name }}</b>: {{ a.alert.message }} ({{ a.rule.name }}, {{ a.alert.severity }})</li>
{% endfor %}{% if alerts | length > 100 %}<li>... and {{ alerts | length - 100 }} more</li>
{% endif %}</ul>
{%- else -%}
<p><b>{{ title }}</b></p>
<p>{{ alert.message }}</p>
<table>
<tr><td>Monitor</td><td>{{ monitor.name }} ({{ monitor.type }}{% if monitor.target %}, {{ monitor.target }}{% endif %})</td></tr>
<tr><td>Severity</td><td>{{ alert.severity }}{% if alert.value is not none %}, value {{ alert.value }}{% endif %}</td></tr>
{% if type == 'alert.resolved' %}<tr><td>Resolved at</td><td>{{ alert.resolved_at }}</td></tr>{% else %}<tr><td>Since</td><td>{{ alert.started_at }}</td></tr>{% endif %}
</table>
{%- if ack_url and type != 'alert.resolved' %}
<p><a href=\"{{ ack_url }}\">Acknowledge</a></p>{% endif %}
{%- endif %}";

/// Escapes text for Telegram's MarkdownV2: every character the format gives a meaning.
pub fn escape_markdown_v2(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if matches!(
            c,
            '_' | '*'
                | '['
                | ']'
                | '('
                | ')'
                | '~'
                | '`'
                | '>'
                | '#'
                | '+'
                | '-'
                | '='
                | '|'
                | '{'
                | '}'
                | '.'
                | '!'
                | '\\'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Escapes text for Slack mrkdwn (and Google Chat): only `&`, `<` and `>` are special.
pub fn escape_mrkdwn(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Escapes Markdown's emphasis, code, link and heading characters.
pub fn escape_markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if matches!(
            c,
            '\\' | '*' | '_' | '~' | '`' | '|' | '[' | ']' | '(' | ')' | '#' | '>' | '<'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn format_value(out: &mut Output, state: &State, value: &Value) -> Result<(), Error> {
    let kind = match state.auto_escape() {
        AutoEscape::Custom(kind) => kind,
        _ => return minijinja::escape_formatter(out, state, value),
    };
    if value.is_undefined() || value.is_none() {
        return Ok(());
    }
    let text = value.to_string();
    let written = if value.is_safe() {
        text
    } else {
        match kind {
            "md2" => escape_markdown_v2(&text),
            "mrkdwn" => escape_mrkdwn(&text),
            "md" => escape_markdown(&text),
            _ => text,
        }
    };
    out.write_str(&written).map_err(|e| {
        Error::new(ErrorKind::WriteFailure, "writing a template failed").with_source(e)
    })
}

/// Telegram link targets: inside `(...)` only `)` and `\` are escaped.
fn md2_url(value: String) -> Value {
    Value::from_safe_string(value.replace('\\', "\\\\").replace(')', "\\)"))
}

fn environment() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        env.set_auto_escape_callback(|name| match name.rsplit('.').next() {
            Some("html") => AutoEscape::Html,
            Some("md2") => AutoEscape::Custom("md2"),
            Some("mrkdwn") => AutoEscape::Custom("mrkdwn"),
            Some("md") => AutoEscape::Custom("md"),
            _ => AutoEscape::None,
        });
        env.set_formatter(format_value);
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Chainable);
        env.add_filter("md2_url", md2_url);
        env.set_keep_trailing_newline(false);
        for (name, source) in [
            ("title.txt", TITLE),
            ("body.txt", TEXT),
            ("body.md", MARKDOWN),
            ("body.mrkdwn", MRKDWN),
            ("body.md2", MARKDOWN_V2),
            ("body.html", HTML),
        ] {
            env.add_template(name, source)
                .expect("the default templates compile");
        }
        env
    })
}

/// Admins' replacements for default titles and bodies, keyed `title.<event>` or
/// `<channel type>.<event>` (stored in the `notification_templates` setting).
pub type Overrides = BTreeMap<String, String>;

/// The setting that holds [`Overrides`].
pub const SETTING: &str = "notification_templates";

/// Checks that a template compiles; the error says where it does not.
pub fn check(source: &str) -> Result<(), String> {
    environment()
        .template_from_str(source)
        .map(|_| ())
        .map_err(|e| describe(&e))
}

/// Checks every override: keys must name a title or a channel type and an event, and
/// each template must compile. Errors are keyed by the override's key.
pub fn check_overrides(overrides: &Overrides) -> crate::error::FieldErrors {
    let mut errors = crate::error::FieldErrors::new();
    for (key, source) in overrides {
        let valid_key = key.split_once('.').is_some_and(|(what, event)| {
            (what == "title" || super::ChannelConfig::TYPES.contains(&what))
                && Event::parse(event).is_some()
        });
        if !valid_key {
            errors.insert(
                key.clone(),
                "must be title.<event> or <channel type>.<event>, the event one of firing, reminder, resolved, acknowledged, digest, test, report".into(),
            );
        } else if let Err(reason) = check(source) {
            errors.insert(key.clone(), reason);
        }
    }
    errors
}

fn describe(err: &Error) -> String {
    match err.line() {
        Some(line) => format!(
            "does not compile (line {line}): {}",
            err.detail().unwrap_or(&err.to_string())
        ),
        None => format!("does not compile: {err}"),
    }
}

/// Renders a user's template (a rule's `message`) as plain text.
pub fn render_text(source: &str, data: &serde_json::Value) -> Result<String, String> {
    let env = environment();
    env.template_from_named_str("message.txt", source)
        .and_then(|t| t.render(data))
        .map(|s| s.trim().to_owned())
        .map_err(|e| describe(&e))
}

/// The rendered title, body (in `format`) and plain-text body of one message.
pub struct Rendered {
    /// One line, plain text.
    pub title: String,
    /// In the channel's format.
    pub body: String,
    /// Plain text.
    pub text: String,
}

/// Renders a message for a channel of `channel_type` in `format`. A broken override
/// falls back to the default, so a bad edit never silences an alert.
pub fn render(
    channel_type: &str,
    format: Format,
    event: Event,
    data: &serde_json::Value,
    overrides: &Overrides,
) -> Rendered {
    let env = environment();
    let with = |name: &str, key: &str, default: &str, data: &Value| -> String {
        if let Some(source) = overrides.get(key) {
            match env
                .template_from_named_str(name, source)
                .and_then(|t| t.render(data))
            {
                Ok(out) => return out.trim().to_owned(),
                Err(err) => {
                    tracing::warn!(template = key, error = %describe(&err), "A notification template override failed; the default is used.")
                }
            }
        }
        env.get_template(default)
            .and_then(|t| t.render(data))
            .map(|s| s.trim().to_owned())
            .unwrap_or_else(|err| {
                format!("(the message could not be rendered: {})", describe(&err))
            })
    };
    let mut value = Value::from_serialize(data);
    let title = with(
        "title.txt",
        &format!("title.{}", event.as_str()),
        "title.txt",
        &value,
    );
    value = minijinja::context! { title => title.clone(), ..value };
    let key = format!("{channel_type}.{}", event.as_str());
    let text = with("body.txt", &key, "body.txt", &value);
    let body = match format {
        Format::Text | Format::Data => text.clone(),
        _ => {
            let name = format!("body.{}", format.suffix());
            with(&name, &key, &name, &value)
        }
    };
    Rendered { title, body, text }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn firing() -> serde_json::Value {
        json!({
            "type": "alert.firing",
            "alert": { "id": "a1", "status": "firing", "severity": "critical", "value": null,
                       "message": "connection refused (port 8_080)", "started_at": "2026-11-30T10:00:00Z" },
            "rule": { "id": "r1", "name": "Any monitor down" },
            "monitor": { "id": "m1", "name": "api.example.com [prod]", "type": "http", "target": "https://api.example.com/health" },
            "ack_url": "http://monitron.local/ack/abc_def-1.2"
        })
    }

    #[test]
    fn markdown_v2_escapes_every_special_character_of_values() {
        let r = render(
            "telegram",
            Format::MarkdownV2,
            Event::Firing,
            &firing(),
            &Overrides::new(),
        );
        assert!(
            r.body.contains("api\\.example\\.com \\[prod\\]"),
            "{}",
            r.body
        );
        assert!(r.body.contains("\\(port 8\\_080\\)"), "{}", r.body);
        // Link targets escape only `)` and `\`.
        assert!(
            r.body.contains("(http://monitron.local/ack/abc_def-1.2)"),
            "{}",
            r.body
        );
        assert_eq!(
            escape_markdown_v2("a_b*c[d]e(f)g~h`i>j#k+l-m=n|o{p}q.r!s\\"),
            "a\\_b\\*c\\[d\\]e\\(f\\)g\\~h\\`i\\>j\\#k\\+l\\-m\\=n\\|o\\{p\\}q\\.r\\!s\\\\"
        );
    }

    #[test]
    fn html_and_mrkdwn_escape_values_not_markup() {
        let mut data = firing();
        data["monitor"]["name"] = json!("<script>&");
        let html = render(
            "email",
            Format::Html,
            Event::Firing,
            &data,
            &Overrides::new(),
        );
        assert!(html.body.contains("&lt;script&gt;&amp;"), "{}", html.body);
        assert!(html.body.contains("<a href="), "{}", html.body);
        let slack = render(
            "slack",
            Format::Mrkdwn,
            Event::Firing,
            &data,
            &Overrides::new(),
        );
        assert!(slack.body.contains("&lt;script&gt;&amp;"), "{}", slack.body);
        assert!(slack.body.contains("|Acknowledge>"), "{}", slack.body);
        assert_eq!(html.title, "[FIRING] Any monitor down: <script>&");
        assert!(
            html.text
                .contains("Acknowledge: http://monitron.local/ack/"),
            "{}",
            html.text
        );
    }

    #[test]
    fn overrides_replace_defaults_and_broken_ones_fall_back() {
        let mut overrides = Overrides::new();
        overrides.insert("slack.firing".into(), "Down: {{ monitor.name }}".into());
        overrides.insert(
            "title.firing".into(),
            "{{ monitor.name | upper }} {% if".into(),
        );
        let r = render(
            "slack",
            Format::Mrkdwn,
            Event::Firing,
            &firing(),
            &overrides,
        );
        assert_eq!(r.body, "Down: api.example.com [prod]");
        assert!(r.title.starts_with("[FIRING]"), "{}", r.title);
        let errors = check_overrides(&overrides);
        assert!(
            errors["title.firing"].contains("does not compile"),
            "{errors:?}"
        );
        assert!(!errors.contains_key("slack.firing"));
        let errors = check_overrides(&Overrides::from([("fax.firing".into(), "x".into())]));
        assert!(errors.contains_key("fax.firing"));
    }

    #[test]
    fn digests_list_the_alerts() {
        let alerts: Vec<_> = (0..30)
            .map(|i| {
                json!({ "alert": { "message": format!("down {i}"), "severity": "critical" },
                             "rule": { "name": "r" }, "monitor": { "name": format!("m{i}") } })
            })
            .collect();
        let data = json!({ "type": "alert.digest", "alerts": alerts });
        let r = render(
            "discord",
            Format::Markdown,
            Event::Digest,
            &data,
            &Overrides::new(),
        );
        assert_eq!(r.title, "[FIRING] 30 alerts");
        assert!(r.body.contains("**m0**: down 0"), "{}", r.body);
        assert!(r.body.contains("and 5 more"), "{}", r.body);
    }
}
