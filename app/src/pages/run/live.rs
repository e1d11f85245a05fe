//! The live part of the run page (browser only): the run's event stream,
//! `GET /runs/{id}/stream?format=rich&after=<seq>`, reopened by itself after
//! a network blip (resuming after the last event seen, so nothing is lost or
//! repeated), and a poll of the run's status while it is queued or running.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{EventSource, MessageEvent};

use attune_ops::wire::{DoneEvent, LogLine, Recommendation, RunInfo};

use crate::components::log_viewer::LogModel;

/// Pause before reopening a stream the browser gave up on.
const RECONNECT_AFTER: Duration = Duration::from_secs(2);
/// How often the run's status is asked for.
const POLL_EVERY: Duration = Duration::from_millis(1500);

/// What a live connection follows, and the page state it feeds.
pub struct LiveOptions {
    pub run_id: String,
    /// The last event the page was rendered with: the stream starts after it.
    pub after: u64,
    /// Status, exit code, queue position: from `done` and the status poll.
    pub info: RwSignal<RunInfo>,
    /// Recommendations as they arrive.
    pub recs: RwSignal<Vec<Recommendation>>,
    /// The log: new lines, once per animation frame.
    pub model: LogModel,
    /// "Connection lost", "part of the log could not be streamed".
    pub notice: RwSignal<Option<String>>,
}

/// A run followed live: its event stream and the status poll. Clones share
/// one connection.
#[derive(Clone)]
pub struct LiveConnection(Rc<Shared>);

struct Shared {
    run_id: String,
    info: RwSignal<RunInfo>,
    recs: RwSignal<Vec<Recommendation>>,
    model: LogModel,
    notice: RwSignal<Option<String>>,
    /// The last event seen: a reopened stream resumes after it.
    last_seq: Cell<u64>,
    stream: RefCell<Option<Stream>>,
    /// Lines received, applied at the next animation frame.
    pending: RefCell<Vec<LogLine>>,
    /// The run ended (`done` arrived): nothing more to follow.
    done: Cell<bool>,
    /// [`LiveConnection::close`] was called.
    closed: Cell<bool>,
    poll: Cell<Option<IntervalHandle>>,
}

/// An open `EventSource` and its listeners; closed when dropped.
struct Stream {
    es: EventSource,
    _handlers: Vec<Closure<dyn FnMut(MessageEvent)>>,
}

impl Drop for Stream {
    fn drop(&mut self) {
        self.es.close();
    }
}

type Handler = fn(&LiveConnection, &MessageEvent);

impl LiveConnection {
    pub fn new(options: LiveOptions) -> LiveConnection {
        let LiveOptions { run_id, after, info, recs, model, notice } = options;
        LiveConnection(Rc::new(Shared {
            run_id,
            info,
            recs,
            model,
            notice,
            last_seq: Cell::new(after),
            stream: RefCell::new(None),
            pending: RefCell::new(Vec::new()),
            done: Cell::new(false),
            closed: Cell::new(false),
            poll: Cell::new(None),
        }))
    }

    /// Follows the run while the current component lives: opens now, closes
    /// on cleanup.
    pub fn follow(options: LiveOptions) {
        let live = LiveConnection::new(options);
        live.open();
        let live = send_wrapper::SendWrapper::new(live);
        on_cleanup(move || live.close());
    }

    /// Opens the stream and starts the status poll.
    pub fn open(&self) {
        self.connect();
        self.start_poll();
    }

    /// Closes the stream and stops the poll, for good.
    pub fn close(&self) {
        self.0.closed.set(true);
        drop(self.0.stream.take());
        if let Some(h) = self.0.poll.take() {
            h.clear();
        }
    }

    fn connect(&self) {
        let url = format!("/runs/{}/stream?format=rich&after={}", self.0.run_id, self.0.last_seq.get());
        let Ok(es) = EventSource::new(&url) else { return };
        let listeners: [(&str, Handler); 5] = [
            ("lines", Self::on_lines),
            ("recommendation", Self::on_recommendation),
            ("gap", Self::on_gap),
            ("done", Self::on_done),
            ("shutdown", Self::on_shutdown),
        ];
        let mut handlers = Vec::new();
        for (event, handler) in listeners {
            let this = self.clone();
            let h = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| handler(&this, &ev));
            let _ = es.add_event_listener_with_callback(event, h.as_ref().unchecked_ref());
            handlers.push(h);
        }
        let this = self.clone();
        let h = Closure::<dyn FnMut(MessageEvent)>::new(move |_ev: MessageEvent| this.on_error());
        es.set_onerror(Some(h.as_ref().unchecked_ref()));
        handlers.push(h);
        *self.0.stream.borrow_mut() = Some(Stream { es, _handlers: handlers });
    }

    /// Remembers the event's id, for resuming.
    fn note_id(&self, ev: &MessageEvent) {
        if let Ok(n) = ev.last_event_id().parse::<u64>() {
            if n > self.0.last_seq.get() {
                self.0.last_seq.set(n);
            }
        }
    }

    /// A batch of lines, applied once per animation frame.
    fn on_lines(&self, ev: &MessageEvent) {
        self.note_id(ev);
        self.0.notice.set(None);
        let Some(text) = ev.data().as_string() else { return };
        let Ok(lines) = serde_json::from_str::<Vec<LogLine>>(&text) else { return };
        let first = self.0.pending.borrow().is_empty();
        self.0.pending.borrow_mut().extend(lines);
        if first {
            let this = self.clone();
            request_animation_frame(move || {
                // Closed (the page is gone): its signals are disposed.
                if !this.0.closed.get() {
                    let batch = this.0.pending.take();
                    this.0.model.push(batch);
                }
            });
        }
    }

    fn on_recommendation(&self, ev: &MessageEvent) {
        self.note_id(ev);
        if let Some(r) = ev.data().as_string().and_then(|t| serde_json::from_str::<Recommendation>(&t).ok()) {
            self.0.recs.update(|v| {
                if !v.contains(&r) {
                    v.push(r)
                }
            });
        }
    }

    fn on_gap(&self, ev: &MessageEvent) {
        if let Some(text) = ev.data().as_string() {
            self.0.notice.set(Some(format!("Part of the log could not be streamed ({text}); it is still in the downloaded log.")));
        }
    }

    /// The dashboard is stopping while the run is not over. The browser
    /// reconnects by itself (and [`LiveConnection::on_error`] keeps trying)
    /// until the dashboard is back.
    fn on_shutdown(&self, _ev: &MessageEvent) {
        self.0.notice.set(Some("The dashboard is shutting down — this page reconnects when it is back.".into()));
    }

    /// The run ended: its final status, then the full record.
    fn on_done(&self, ev: &MessageEvent) {
        let this = self.clone();
        this.0.done.set(true);
        // Close before the browser reconnects and replays.
        drop(this.0.stream.take());
        let info = this.0.info;
        if let Some(d) = ev.data().as_string().and_then(|t| serde_json::from_str::<DoneEvent>(&t).ok()) {
            info.update(|i| {
                i.status = d.status;
                i.exit_code = Some(d.exit_code);
                i.sdk_error_kind = d.sdk_error_kind.clone();
                i.sdk_stderr = d.sdk_stderr.clone();
                i.duration_seconds = d.duration_seconds.or(i.duration_seconds);
            });
        }
        this.0.model.finished.set(true);
        let url = format!("/runs/{}", this.0.run_id);
        leptos::task::spawn_local(async move {
            if let Ok(i) = crate::client::get_json::<RunInfo>(&url).await {
                if !this.0.closed.get() {
                    info.set(i);
                }
            }
        });
    }

    /// The browser retries by itself (sending `Last-Event-ID`). When it gives
    /// up (`CLOSED`), reopen after a pause with `?after=`.
    fn on_error(&self) {
        let this = self.clone();
        if this.0.done.get() || this.0.closed.get() {
            return;
        }
        this.0.notice.set(Some("Connection to the dashboard lost — reconnecting…".into()));
        let gave_up = this.0.stream.borrow().as_ref().map(|s| s.es.ready_state() == EventSource::CLOSED).unwrap_or(true);
        if gave_up {
            drop(this.0.stream.take());
            set_timeout(
                move || {
                    if !this.0.closed.get() && !this.0.done.get() {
                        this.connect();
                    }
                },
                RECONNECT_AFTER,
            );
        }
    }

    /// Queue position and pending → running, until the run ends.
    fn start_poll(&self) {
        let info = self.0.info;
        let this = self.clone();
        let handle = set_interval_with_handle(
            move || {
                if this.0.closed.get() || info.get_untracked().status.is_terminal() {
                    return;
                }
                let url = format!("/runs/{}", this.0.run_id);
                let this = this.clone();
                leptos::task::spawn_local(async move {
                    if let Ok(i) = crate::client::get_json::<RunInfo>(&url).await {
                        // The answer may come after the page is gone.
                        if !this.0.closed.get() && !info.get_untracked().status.is_terminal() {
                            info.set(i);
                        }
                    }
                });
            },
            POLL_EVERY,
        );
        self.0.poll.set(handle.ok());
    }
}
