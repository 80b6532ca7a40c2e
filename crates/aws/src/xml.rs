//! A small XML tree for AWS Query responses: elements by local name, their text, their
//! children. Enough for the handful of response shapes the rules read, and far less to
//! compile than a generated SDK crate's deserializers.

use xmlparser::{ElementEnd, Token, Tokenizer};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Element {
    /// Local name (namespace prefixes dropped, as AWS's own deserializers match them).
    pub name: String,
    /// The element's own text, entities decoded.
    pub text: String,
    pub children: Vec<Element>,
}

impl Element {
    /// Parses a whole document and returns its root element.
    pub fn parse(xml: &str) -> Result<Element, String> {
        let mut open: Vec<Element> = vec![Element::default()];
        for token in Tokenizer::from(xml) {
            match token.map_err(|e| format!("malformed XML: {e}"))? {
                Token::ElementStart { local, .. } => open.push(Element {
                    name: local.to_string(),
                    ..Element::default()
                }),
                Token::ElementEnd { end, .. } => {
                    let closes = match end {
                        ElementEnd::Open => continue,
                        ElementEnd::Close(_, local) => Some(local.as_str()),
                        ElementEnd::Empty => None,
                    };
                    let done = open
                        .pop()
                        .filter(|el| !open.is_empty() && closes.is_none_or(|name| name == el.name));
                    let (Some(done), Some(parent)) = (done, open.last_mut()) else {
                        return Err("malformed XML: a closing tag that does not match".into());
                    };
                    parent.children.push(done);
                }
                Token::Text { text } => {
                    if let Some(current) = open.last_mut() {
                        current.text.push_str(&unescape(text.as_str())?);
                    }
                }
                Token::Cdata { text, .. } => {
                    if let Some(current) = open.last_mut() {
                        current.text.push_str(text.as_str());
                    }
                }
                _ => {}
            }
        }
        let mut document = open.pop().filter(|_| open.is_empty());
        match document.as_mut().map(|d| d.children.len()) {
            Some(1) => Ok(document.unwrap_or_default().children.remove(0)),
            _ => Err("malformed XML: not exactly one root element".into()),
        }
    }

    /// The first child named `name`.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// The trimmed text of the first child named `name`, if it has any.
    pub fn text_of(&self, name: &str) -> Option<&str> {
        self.child(name)
            .map(|c| c.text.trim())
            .filter(|t| !t.is_empty())
    }

    /// The `<member>` entries of the list element `name` (the Query protocol's list encoding
    /// outside EC2); none when absent.
    #[cfg(feature = "cloudwatch")]
    pub fn members<'a>(&'a self, name: &str) -> impl Iterator<Item = &'a Element> + 'a {
        self.child(name)
            .into_iter()
            .flat_map(|list| list.children.iter().filter(|c| c.name == "member"))
    }

    /// The `<item>` members of the list element `name` (EC2's list encoding); none when absent.
    pub fn items<'a>(&'a self, name: &str) -> impl Iterator<Item = &'a Element> + 'a {
        self.child(name)
            .into_iter()
            .flat_map(|list| list.children.iter().filter(|c| c.name == "item"))
    }
}

/// Decodes the five predefined entities and character references.
fn unescape(text: &str) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let semi = after
            .find(';')
            .ok_or_else(|| format!("malformed XML: unterminated entity in {text:?}"))?;
        let entity = &after[..semi];
        let decoded = match entity {
            "lt" => '<',
            "gt" => '>',
            "amp" => '&',
            "quot" => '"',
            "apos" => '\'',
            _ => entity
                .strip_prefix("#x")
                .map(|hex| u32::from_str_radix(hex, 16))
                .or_else(|| entity.strip_prefix('#').map(str::parse))
                .and_then(Result::ok)
                .and_then(char::from_u32)
                .ok_or_else(|| format!("malformed XML: unknown entity &{entity};"))?,
        };
        out.push(decoded);
        rest = &after[semi + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_names_text_and_items() {
        let root = Element::parse(
            r#"<?xml version="1.0" encoding="UTF-8"?>
            <R xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><set><item><id> a </id></item>
            <item><id>b&amp;c&#x41;&#66;</id><empty/></item></set><n><![CDATA[x<y]]></n></R>"#,
        )
        .unwrap();
        assert_eq!(root.name, "R");
        let ids: Vec<_> = root.items("set").filter_map(|i| i.text_of("id")).collect();
        assert_eq!(ids, ["a", "b&cAB"]);
        assert_eq!(root.text_of("n"), Some("x<y"));
        assert_eq!(root.items("missing").count(), 0);
        assert_eq!(root.items("set").nth(1).unwrap().text_of("empty"), None);
    }

    #[test]
    fn refuses_what_is_not_one_well_formed_document() {
        for bad in [
            "",
            "<a>",
            "<a></b>",
            "<a/><b/>",
            "<a>&bogus;</a>",
            "<a>&amp</a>",
            "<a>&#xZZ;</a>",
            "text",
        ] {
            assert!(Element::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }
}
