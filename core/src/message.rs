//! Messages of digital conversations as the engine sees them: structured content
//! (text, an email's subject, its parts with their sizes and Content-IDs), the
//! email headers that thread a message to its conversation (OUT-08), and the
//! rules an agent's outbound email must meet (OUT-10):
//!
//! - an inline image holds at most 15 KB (15,360 bytes; not configurable);
//! - a part with a Content-ID (a `cid:` multipart) is refused: accepted images are
//!   hosted and referenced by URL in the HTML, not attached;
//! - a tenant with the PCI restriction accepts no inline image at all.
//!
//! Subjects are compared normalized ([`normalize_subject`]): reply and forward
//! prefixes dropped, spaces collapsed, case ignored.

use compact_str::CompactString;
use serde::{Deserialize, Serialize};

/// The largest inline image an outbound email may carry (OUT-10).
pub const MAX_INLINE_IMAGE_BYTES: u64 = 15 * 1024;
/// How long a hosted inline image is kept (OUT-10), in months.
pub const HOSTED_IMAGE_MONTHS: u32 = 6;

/// What a message says.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageContent {
    /// An email's subject.
    pub subject: Option<String>,
    pub text: String,
    #[serde(default)]
    pub parts: Vec<MessagePart>,
}

/// One part of a message besides its text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessagePart {
    pub kind: PartKind,
    pub name: String,
    pub bytes: u64,
    /// A Content-ID (`cid:`) the HTML refers to.
    pub content_id: Option<String>,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartKind {
    /// An image shown in the body.
    InlineImage,
    Attachment,
}

/// An email's threading headers (RFC 5322): its own Message-ID and those it answers.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailHeaders {
    pub message_id: Option<CompactString>,
    pub in_reply_to: Option<CompactString>,
    #[serde(default)]
    pub references: Vec<CompactString>,
}

/// A message from a customer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboundMessage {
    /// The sender's address as received (normalized by the engine).
    pub from: String,
    pub content: MessageContent,
    #[serde(default)]
    pub email: EmailHeaders,
}

/// Why an outbound email cannot be sent (OUT-10), in one sentence.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ContentError {
    #[error(
        "inline image \"{name}\" holds {bytes} bytes; an inline image holds at most 15 KB (15,360 bytes)"
    )]
    ImageTooLarge { name: String, bytes: u64 },
    #[error(
        "part \"{name}\" has a Content-ID; multipart messages with Content-ID attachments are not sent (images are hosted and linked instead)"
    )]
    ContentIdPart { name: String },
    #[error("inline image \"{name}\": this tenant's PCI restriction allows no inline images")]
    PciNoImages { name: String },
}

/// Checks an outbound email's content (OUT-10); the first rule broken, if any.
pub fn check_outbound_email(content: &MessageContent, pci: bool) -> Result<(), ContentError> {
    for part in &content.parts {
        if part.content_id.is_some() {
            return Err(ContentError::ContentIdPart {
                name: part.name.clone(),
            });
        }
        if part.kind == PartKind::InlineImage {
            if pci {
                return Err(ContentError::PciNoImages {
                    name: part.name.clone(),
                });
            }
            if part.bytes > MAX_INLINE_IMAGE_BYTES {
                return Err(ContentError::ImageTooLarge {
                    name: part.name.clone(),
                    bytes: part.bytes,
                });
            }
        }
    }
    Ok(())
}

/// A subject for comparison: `Re:`, `Fwd:`, `Fw:` (and `AW:`, `SV:`, `WG:`)
/// prefixes dropped however often they repeat, spaces collapsed, lowercased.
pub fn normalize_subject(subject: &str) -> String {
    let mut s = subject.trim();
    loop {
        let lower = s.to_ascii_lowercase();
        let prefix = ["re:", "fwd:", "fw:", "aw:", "sv:", "wg:"]
            .into_iter()
            .find(|p| lower.starts_with(p));
        match prefix {
            Some(p) => s = s[p.len()..].trim_start(),
            None => break,
        }
    }
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// A Message-ID without its angle brackets and surrounding spaces.
pub fn normalize_message_id(id: &str) -> CompactString {
    CompactString::from(
        id.trim()
            .trim_start_matches('<')
            .trim_end_matches('>')
            .trim(),
    )
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn image(name: &str, bytes: u64, cid: Option<&str>) -> MessagePart {
        MessagePart {
            kind: PartKind::InlineImage,
            name: name.into(),
            bytes,
            content_id: cid.map(str::to_string),
        }
    }

    fn email(parts: Vec<MessagePart>) -> MessageContent {
        MessageContent {
            subject: Some("Your order".into()),
            text: "Hello".into(),
            parts,
        }
    }

    #[test]
    fn inline_images_up_to_15_kb_are_accepted() {
        assert_eq!(
            check_outbound_email(&email(vec![image("logo.png", 15_360, None)]), false),
            Ok(())
        );
        assert_eq!(
            check_outbound_email(&email(vec![image("photo.jpg", 15_361, None)]), false),
            Err(ContentError::ImageTooLarge {
                name: "photo.jpg".into(),
                bytes: 15_361
            })
        );
        // An attachment is not an inline image: its size is not limited here.
        let big = MessagePart {
            kind: PartKind::Attachment,
            name: "a.pdf".into(),
            bytes: 10_000_000,
            content_id: None,
        };
        assert_eq!(check_outbound_email(&email(vec![big]), false), Ok(()));
    }

    #[test]
    fn content_id_parts_and_pci_images_are_refused() {
        assert_eq!(
            check_outbound_email(&email(vec![image("logo.png", 100, Some("logo@x"))]), false),
            Err(ContentError::ContentIdPart {
                name: "logo.png".into()
            })
        );
        assert_eq!(
            check_outbound_email(&email(vec![image("logo.png", 100, None)]), true),
            Err(ContentError::PciNoImages {
                name: "logo.png".into()
            })
        );
        assert_eq!(check_outbound_email(&email(vec![]), true), Ok(()));
    }

    #[test]
    fn subjects_compare_without_prefixes_case_or_spacing() {
        assert_eq!(
            normalize_subject("Re: RE: Fwd:  Your   Order "),
            "your order"
        );
        assert_eq!(normalize_subject("AW: sv: wg: fw: x"), "x");
        assert_eq!(normalize_subject("Regarding"), "regarding");
        assert_eq!(normalize_subject(""), "");
    }

    #[test]
    fn message_ids_lose_their_brackets() {
        assert_eq!(
            normalize_message_id(" <abc@example.com> "),
            "abc@example.com"
        );
        assert_eq!(normalize_message_id("abc@example.com"), "abc@example.com");
    }

    proptest! {
        #[test]
        fn subject_normalizing_never_panics_and_is_stable(s in "\\PC{0,60}") {
            let once = normalize_subject(&s);
            prop_assert_eq!(normalize_subject(&once), once.clone());
        }
    }
}
