//! Deterministic concurrency. Several actions of a step may run "at once"
//! (`World::race`): each runs as an actor, and the store decorator makes every
//! actor stop at a turnstile before each store call outside a transaction
//! (`begin` included). Only one actor runs at a time; when every live actor
//! waits, the seed picks which goes on. So actions interleave at the points
//! where real requests interleave — between a read and the transaction that
//! acts on it — and the same seed interleaves them the same way. Inside a
//! transaction an actor is never stopped: SQLite runs one write transaction at
//! a time, and an actor stopped while holding the write lock would block the
//! next one on the lock rather than at the turnstile.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use std::future::Future;
use std::sync::Mutex;
use tokio::sync::oneshot;

tokio::task_local! {
    static ACTOR: u32;
}

struct State {
    rng: ChaCha8Rng,
    /// Actors of the current race not yet finished.
    live: usize,
    waiting: Vec<(u32, oneshot::Sender<()>)>,
    switches: u64,
}

pub struct Turnstile {
    state: Mutex<State>,
}

impl Turnstile {
    pub fn new(rng: ChaCha8Rng) -> Turnstile {
        Turnstile {
            state: Mutex::new(State {
                rng,
                live: 0,
                waiting: Vec::new(),
                switches: 0,
            }),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// When nobody runs (every live actor waits), lets one of them go on.
    fn schedule(state: &mut State) {
        if state.live == 0 || state.waiting.len() < state.live {
            return;
        }
        let pick = state.rng.random_range(0..state.waiting.len());
        let (_, go) = state.waiting.swap_remove(pick);
        state.switches = state.switches.saturating_add(1);
        let _ = go.send(());
    }

    /// Called before a store operation: an actor of a race waits for its turn;
    /// anything else (a task the app spawned, a step without a race) goes on.
    pub async fn gate(&self) {
        let Ok(actor) = ACTOR.try_with(|actor| *actor) else {
            return;
        };
        let turn = {
            let mut state = self.state();
            if state.live == 0 {
                return;
            }
            let (go, turn) = oneshot::channel();
            state.waiting.push((actor, go));
            Self::schedule(&mut state);
            turn
        };
        let _ = turn.await;
    }

    /// Starts a race of `actors` actors.
    pub fn start(&self, actors: usize) {
        let mut state = self.state();
        state.live = actors;
        state.waiting.clear();
    }

    /// Runs `action` as actor `id` of the current race.
    pub async fn actor<F: Future>(&self, id: u32, action: F) -> F::Output {
        ACTOR
            .scope(id, async {
                self.gate().await;
                let output = action.await;
                let mut state = self.state();
                state.live = state.live.saturating_sub(1);
                Self::schedule(&mut state);
                output
            })
            .await
    }

    pub fn switches(&self) -> u64 {
        self.state().switches
    }
}
