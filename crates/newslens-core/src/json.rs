//! Serialisation context for spans.
//!
//! A [`crate::Span`] holds byte offsets but is written as code point offsets plus its text, which
//! needs the document's text. Rather than threading the text through every layer type (and
//! doubling every type into an "output" twin), serialisation runs inside [`with_text`], which sets
//! the text for the current thread. [`crate::Analysis`] does this for you in its `to_json*` methods.

use std::cell::{Cell, RefCell};

use crate::OffsetMap;

/// What a span needs to serialise itself.
pub struct SpanContext {
    /// The document text.
    pub text: String,
    /// Its offset map.
    pub map: OffsetMap,
}

thread_local! {
    static CONTEXT: RefCell<Vec<SpanContext>> = const { RefCell::new(Vec::new()) };
    static OMIT_TEXT: Cell<bool> = const { Cell::new(false) };
    static OMIT_TOKENS: Cell<bool> = const { Cell::new(false) };
    static OMIT_SPAN_TEXT: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f` (a serialisation) in the form stores keep: without the document's top-level `text`
/// (see [`without_document_text`]), with an empty `tokens` list, and spans without their
/// `text` (just `start` and `end`). Tokens are a third of an analysis's JSON, and the text
/// stage derives them from the text alone; span texts (sentences and paragraphs repeat the
/// whole text) are another third, and are the document text between the offsets. So a store
/// puts both back when it reads the analysis instead of writing them for every article.
pub fn in_stored_form<R>(f: impl FnOnce() -> R) -> R {
    with_flag(&OMIT_SPAN_TEXT, || {
        with_flag(&OMIT_TOKENS, || without_document_text(f))
    })
}

/// True inside [`in_stored_form`]: a [`crate::Span`] writes no `text`.
pub(crate) fn omitting_span_text() -> bool {
    OMIT_SPAN_TEXT.with(Cell::get)
}

/// Runs `f` with the thread-local `flag` set, restoring its value afterwards (also on unwind).
fn with_flag<R>(flag: &'static std::thread::LocalKey<Cell<bool>>, f: impl FnOnce() -> R) -> R {
    struct Restore(&'static std::thread::LocalKey<Cell<bool>>, bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            self.0.with(|o| o.set(self.1));
        }
    }
    let _restore = Restore(flag, flag.with(|o| o.replace(true)));
    f()
}

/// `serialize_with` of [`crate::Analysis::tokens`]: an empty list inside [`in_stored_form`].
pub(crate) fn serialize_tokens<S: serde::Serializer>(
    tokens: &[crate::layers::text::Token],
    s: S,
) -> Result<S::Ok, S::Error> {
    let tokens = if OMIT_TOKENS.with(Cell::get) {
        &[]
    } else {
        tokens
    };
    s.collect_seq(tokens)
}

/// Runs `f` (a serialisation) with the document's top-level `text` field left out: stores keep
/// the text once, in a column of its own, and put it back when they read the JSON.
pub fn without_document_text<R>(f: impl FnOnce() -> R) -> R {
    with_flag(&OMIT_TEXT, f)
}

/// `skip_serializing_if` of [`crate::Document::text`]: true inside [`without_document_text`].
pub(crate) fn omitting_text(_: &str) -> bool {
    OMIT_TEXT.with(Cell::get)
}

/// Runs `f` with `text` as the span context of this thread (contexts nest).
pub fn with_text<R>(text: &str, f: impl FnOnce() -> R) -> R {
    CONTEXT.with(|c| {
        c.borrow_mut().push(SpanContext {
            text: text.to_string(),
            map: OffsetMap::new(text),
        })
    });
    struct Pop;
    impl Drop for Pop {
        fn drop(&mut self) {
            CONTEXT.with(|c| {
                c.borrow_mut().pop();
            });
        }
    }
    let _pop = Pop;
    f()
}

/// Gives `f` the innermost context, if any.
pub(crate) fn with_context<R>(f: impl FnOnce(Option<&SpanContext>) -> R) -> R {
    CONTEXT.with(|c| f(c.borrow().last()))
}
