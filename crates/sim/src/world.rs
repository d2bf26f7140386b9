//! One seed's run: the hub's application core over the failing store, the
//! outside models, and the scenario that drives them step by step.

use crate::bank::{self, EService, InFlight, OrderState, SharedOutside, SimConnector};
use crate::check::{Acked, Observer};
use crate::faulty::{Faults, FaultyStore};
use crate::trace::Trace;
use maksa_app::auth::Caller;
use maksa_app::clock::{Clock, ManualClock};
use maksa_app::error::AppError;
use maksa_app::idempotency::{DEFAULT_TTL, Idempotency, IdempotencyKey};
use maksa_app::lifecycle::{Lifecycle, LifecycleSettings};
use maksa_app::metrics::Metrics;
use maksa_app::notifications::{Notifier, RetrySchedule};
use maksa_app::payer::{Channel, Payer, PayerSettings};
use maksa_app::payment_requests::{HubSettings, PaymentRequests};
use maksa_app::providers::{Connectors, Handoff};
use maksa_app::store::Store;
use maksa_domain::attempt::AttemptId;
use maksa_domain::catalog::Catalog;
use maksa_domain::codes::ProviderCode;
use maksa_domain::ids::{ClientId, PaymentRequestId};
use maksa_domain::request::{
    ClientInfoInput, CreationRules, PaymentRequestInput, PriceListItemInput,
};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use std::sync::Arc;
use time::Duration;
use time::format_description::well_known::Rfc3339;

/// The simulated providers (codes of the demo catalogue's contract).
pub const PROVIDERS: [&str; 2] = ["DEMO0000", "HABALV22"];
/// Where the e-service takes notifications (an origin of the demo contract).
pub const NOTIFY_BASE: &str = "http://jusu-response-url-s2s/notify?id=";
/// Enough retries that no notification dies during a run: a dead one would
/// wait for an operator's re-send, which the scenario does not model.
pub const RETRIES: &str = "1m*20,10m*200";

/// The application's services of one node "process"; a crash drops them all.
pub struct Services {
    pub requests: PaymentRequests,
    pub payer: Arc<Payer>,
    pub lifecycle: Lifecycle,
    /// Deliveries one at a time (`run_once(1)`): the lifecycle's own batch runs
    /// its deliveries concurrently, and their order would depend on the
    /// database threads' timing rather than on the seed.
    pub notifier: Notifier,
    /// The `Idempotency-Key` handling of the doors, with its production TTL,
    /// as two nodes behind a load balancer have it: each serialises the calls
    /// with one key in its own process, and the database's key row decides
    /// between the nodes. A call and its retry racing go to different nodes
    /// (on one node the second would wait on the first's key lock, a wait
    /// the turnstile cannot see).
    pub idempotency: [Idempotency; 2],
}

/// A create the e-service sent under an `Idempotency-Key`, to send again.
#[derive(Debug, Clone)]
pub struct KeyedCreate {
    pub input: Box<PaymentRequestInput>,
    /// When the key was first used: retries come within the key's lifetime.
    pub first_sent: time::OffsetDateTime,
    /// The request the key was first answered with.
    pub answered: Option<PaymentRequestId>,
}

pub struct World {
    pub inner: Arc<dyn Store>,
    pub faults: Arc<Faults>,
    pub outside: SharedOutside,
    pub clock: Arc<ManualClock>,
    pub catalog: Catalog,
    pub caller: Caller,
    pub services: Services,
    pub generation: u32,
    pub rng: ChaCha8Rng,
    pub trace: Trace,
    pub acked: Acked,
    pub observer: Observer,
    /// Requests the scenario knows (created with an answer).
    pub known: Vec<PaymentRequestId>,
    /// The request of each attempt the payer was sent to a bank for.
    pub attempts: std::collections::BTreeMap<AttemptId, PaymentRequestId>,
    /// Every idempotency key the e-service used, by key.
    pub keys: std::collections::BTreeMap<String, KeyedCreate>,
}

pub fn caller() -> Caller {
    Caller {
        client: ClientId::parse("demo").expect("`demo` is a client id"),
        thumbprint: "sim".into(),
        roles: Vec::new(),
        services: Vec::new(),
    }
}

pub fn build_services(
    inner: &Arc<dyn Store>,
    faults: &Arc<Faults>,
    outside: &SharedOutside,
    clock: &Arc<ManualClock>,
    catalog: &Catalog,
    generation: u32,
) -> Services {
    let store: Arc<dyn Store> = Arc::new(FaultyStore::new(Arc::clone(inner), Arc::clone(faults)));
    let clock_dyn: Arc<dyn Clock> = clock.clone();
    let idempotency =
        [0, 1].map(|_| Idempotency::new(Arc::clone(&store), clock.clone(), DEFAULT_TTL));
    let requests = PaymentRequests::new(
        Arc::clone(&store),
        Arc::clone(&clock_dyn),
        catalog.clone(),
        HubSettings {
            public_base_url: "https://hub.sim".into(),
            rules: CreationRules::default(),
            list_limit: 1000,
            issuer: Default::default(),
        },
    );
    let mut connectors = Connectors::new();
    for code in PROVIDERS {
        if let Some(code) = ProviderCode::parse(code) {
            connectors.register(Arc::new(SimConnector::new(
                code,
                Arc::clone(outside),
                Arc::clone(clock),
            )));
        }
    }
    let payer = Arc::new(Payer::new(
        Arc::clone(&store),
        Arc::clone(&clock_dyn),
        connectors,
        PayerSettings {
            public_base_url: "https://hub.sim".into(),
        },
    ));
    let metrics = Arc::new(Metrics::default());
    let schedule = RetrySchedule::parse(RETRIES).unwrap_or_default();
    let transport = Arc::new(EService::new(Arc::clone(outside), Arc::clone(inner)));
    let worker = format!("sim-node-{generation}");
    let notifier = Notifier::new(
        Arc::clone(&store),
        Arc::clone(&clock_dyn),
        transport.clone(),
        schedule.clone(),
        Arc::clone(&metrics),
        worker.clone(),
    );
    let lifecycle = Lifecycle::new(
        Arc::clone(&store),
        Arc::clone(&clock_dyn),
        Notifier::new(
            Arc::clone(&store),
            Arc::clone(&clock_dyn),
            transport,
            schedule,
            Arc::clone(&metrics),
            worker,
        ),
        Arc::clone(&payer),
        metrics,
        LifecycleSettings::default(),
        payer.wake_handle(),
    );
    Services {
        requests,
        payer,
        lifecycle,
        notifier,
        idempotency,
    }
}

/// What the short name of an application error is, for the trace.
pub fn error_name(error: &AppError) -> String {
    match error {
        AppError::Invalid(_) => "invalid".into(),
        AppError::BadInput { code, .. }
        | AppError::Unauthenticated { code, .. }
        | AppError::Forbidden { code, .. }
        | AppError::Conflict { code, .. } => format!("{code:?}"),
        AppError::NotFound { .. } => "not-found".into(),
        AppError::Unavailable(why) => format!("unavailable ({why})"),
        AppError::StorageFull(_) => "storage-full".into(),
        AppError::StorageFailed(_) => "storage-failed".into(),
        AppError::Internal(_) => "internal".into(),
    }
}

/// One action of the scenario, with every choice already drawn.
#[derive(Debug, Clone)]
pub enum Action {
    /// A create, under an idempotency key (sent to node 0 or 1) or not.
    Create(Box<PaymentRequestInput>, Option<(String, usize)>),
    Pay {
        id: PaymentRequestId,
        sequence: u16,
        provider: &'static str,
    },
    Deliver(InFlight),
    Cancel(PaymentRequestId),
    Expire,
    Recover,
    Notify(u32),
}

/// What an action did, applied to the world after it (and its race) ended.
#[derive(Debug, Default)]
pub struct Effect {
    pub lines: Vec<String>,
    pub created: Option<PaymentRequestId>,
    pub started: Option<(AttemptId, PaymentRequestId)>,
    pub state: Option<(AttemptId, maksa_domain::attempt::AttemptState)>,
    pub cancelled: Option<PaymentRequestId>,
    /// A keyed create answered with a request.
    pub keyed: Option<(String, PaymentRequestId)>,
}

impl Effect {
    fn line(text: String) -> Effect {
        Effect {
            lines: vec![text],
            ..Effect::default()
        }
    }
}

/// What an action runs against (borrowed, so that several run at once).
pub struct Hub<'a> {
    pub services: &'a Services,
    pub outside: &'a SharedOutside,
    pub clock: &'a ManualClock,
    pub caller: &'a Caller,
}

impl Hub<'_> {
    pub async fn perform(&self, action: Action) -> Effect {
        match action {
            Action::Create(input, None) => self.create(&input).await,
            Action::Create(input, Some((key, node))) => self.create_keyed(&input, key, node).await,
            Action::Pay {
                id,
                sequence,
                provider,
            } => self.pay(id, sequence, provider).await,
            Action::Deliver(message) => self.receive(message).await,
            Action::Cancel(id) => self.cancel(id).await,
            Action::Expire => Effect::line(match self.services.lifecycle.expire_due().await {
                Ok(moved) => format!("expire {moved}"),
                Err(error) => format!("expire failed {error}"),
            }),
            Action::Recover => Effect::line(match self.services.lifecycle.recover_due().await {
                Ok(count) => format!("recover {count}"),
                Err(error) => format!("recover failed {error}"),
            }),
            Action::Notify(limit) => Effect::line(match self.notify(limit).await {
                Ok(count) => format!("notify {count}"),
                Err(error) => format!("notify failed: {error}"),
            }),
        }
    }

    /// A client creates a request, as the REST door does (through the writer).
    async fn create(&self, input: &PaymentRequestInput) -> Effect {
        match self.services.requests.save(self.caller, input).await {
            Ok(created) => Effect {
                lines: vec![format!("create {}", created.id)],
                created: Some(created.id),
                ..Effect::default()
            },
            Err(error) => Effect::line(format!("create failed {}", error_name(&error))),
        }
    }

    /// The same under an `Idempotency-Key`, as the REST door does.
    async fn create_keyed(&self, input: &PaymentRequestInput, key: String, node: usize) -> Effect {
        let parsed = match IdempotencyKey::parse(key.as_bytes()) {
            Ok(parsed) => parsed,
            Err(error) => {
                return Effect::line(format!("create {key} refused {}", error_name(&error)));
            }
        };
        let Some(idempotency) = self.services.idempotency.get(node) else {
            return Effect::line(format!("create {key}: no node {node}"));
        };
        match self
            .services
            .requests
            .save_keyed(idempotency, self.caller, input, Some(parsed))
            .await
        {
            Ok(answered) => Effect {
                lines: vec![format!(
                    "create {} under {key}{}",
                    answered.value.id,
                    if answered.replayed { " (replayed)" } else { "" }
                )],
                created: Some(answered.value.id),
                keyed: Some((key, answered.value.id)),
                ..Effect::default()
            },
            Err(error) => Effect::line(format!("create under {key} failed {}", error_name(&error))),
        }
    }

    /// The payer starts paying one payment of a request at a provider.
    async fn pay(&self, id: PaymentRequestId, sequence: u16, provider: &str) -> Effect {
        let catalog = self.services.requests.catalog();
        let answer = self
            .services
            .payer
            .start(&id.to_string(), sequence, provider, "", &catalog, None)
            .await;
        match answer {
            Ok(Handoff::Redirect(url)) => Effect {
                lines: vec![format!("pay {id} #{sequence} at {provider} -> {url}")],
                started: url
                    .rsplit('/')
                    .next()
                    .and_then(AttemptId::parse)
                    .map(|attempt| (attempt, id)),
                ..Effect::default()
            },
            Ok(Handoff::Form { .. }) => Effect::line(format!("pay {id} -> form")),
            Err(error) => Effect::line(format!(
                "pay {id} #{sequence} at {provider} refused {}",
                error_name(&error)
            )),
        }
    }

    /// A provider message reaches the hub's endpoint. A server message the
    /// hub did not take is sent again later (not a forged one: nobody repeats
    /// those).
    async fn receive(&self, message: InFlight) -> Effect {
        let incoming = bank::incoming(&message);
        let answer = self
            .services
            .payer
            .receive(message.provider.as_str(), message.channel, &incoming)
            .await;
        let channel = format!("{:?}", message.channel);
        match answer {
            Ok(received) => Effect {
                lines: vec![format!(
                    "{channel} {:?} {} -> {:?}",
                    message.outcome, message.attempt, received.state
                )],
                state: Some((received.attempt, received.state)),
                ..Effect::default()
            },
            Err(error) => {
                if message.channel == Channel::Server && !message.forged {
                    let mut outside = bank::lock(self.outside);
                    let delay = Duration::seconds(outside.rng.random_range(30..900));
                    outside.network.push(InFlight {
                        ready_at: self.clock.now().saturating_add(delay),
                        ..message.clone()
                    });
                }
                Effect::line(format!(
                    "{channel} {:?} {} refused {}",
                    message.outcome,
                    message.attempt,
                    error_name(&error)
                ))
            }
        }
    }

    /// The client cancels one of its requests.
    async fn cancel(&self, id: PaymentRequestId) -> Effect {
        match self
            .services
            .requests
            .cancel(self.caller, &id.to_string())
            .await
        {
            Ok(()) => Effect {
                lines: vec![format!("cancel {id}")],
                cancelled: Some(id),
                ..Effect::default()
            },
            Err(error) => Effect::line(format!("cancel {id} refused {}", error_name(&error))),
        }
    }

    /// Delivers due notifications one at a time, at most `limit`.
    async fn notify(&self, limit: u32) -> Result<usize, String> {
        let mut total: usize = 0;
        for _ in 0..limit {
            match self.services.notifier.run_once(1).await {
                Ok(0) => break,
                Ok(done) => total = total.saturating_add(done),
                Err(error) => return Err(format!("after {total}: {error}")),
            }
        }
        Ok(total)
    }
}

impl World {
    fn now_text(&self, after: Duration) -> String {
        self.clock
            .now()
            .saturating_add(after)
            .format(&Rfc3339)
            .unwrap_or_default()
    }

    fn hub(&self) -> Hub<'_> {
        Hub {
            services: &self.services,
            outside: &self.outside,
            clock: &self.clock,
            caller: &self.caller,
        }
    }

    /// Drops every service (what was in flight is gone) and starts new ones
    /// over the same database: a node killed and restarted.
    pub fn crash(&mut self) {
        self.generation = self.generation.saturating_add(1);
        self.services = build_services(
            &self.inner,
            &self.faults,
            &self.outside,
            &self.clock,
            &self.catalog,
            self.generation,
        );
        self.trace
            .line(format!("crash -> node {}", self.generation));
    }

    fn apply(&mut self, effect: Effect) {
        for line in effect.lines {
            self.trace.line(line);
        }
        if let Some(id) = effect.created {
            self.known.push(id);
            self.acked.created.insert(id);
        }
        if let Some((attempt, request)) = effect.started {
            self.acked.started.insert(attempt);
            self.attempts.insert(attempt, request);
        }
        if let Some((attempt, state)) = effect.state {
            self.acked.note_state(attempt, state);
        }
        if let Some(id) = effect.cancelled {
            self.acked.cancelled.insert(id);
        }
        if let Some((key, id)) = effect.keyed
            && let Some(keyed) = self.keys.get_mut(&key)
        {
            match keyed.answered {
                None => keyed.answered = Some(id),
                Some(first) if first != id => self
                    .acked
                    .key_violations
                    .push(format!("key {key} answered {first}, then {id}")),
                Some(_) => {}
            }
        }
    }

    /// Runs one action alone.
    pub async fn run(&mut self, action: Action) {
        let effect = self.hub().perform(action).await;
        self.apply(effect);
    }

    /// Runs two or three actions at once, interleaved by the turnstile.
    pub async fn race(&mut self, actions: Vec<Action>) {
        let names: Vec<String> = actions.iter().map(action_name).collect();
        self.trace.line(format!("race {}", names.join(" | ")));
        let turnstile = &self.faults.turnstile;
        turnstile.start(actions.len());
        let hub = self.hub();
        let mut effects = Vec::new();
        let mut actions = actions.into_iter();
        match (actions.next(), actions.next(), actions.next()) {
            (Some(a), Some(b), None) => {
                let (a, b) = tokio::join!(
                    turnstile.actor(0, hub.perform(a)),
                    turnstile.actor(1, hub.perform(b))
                );
                effects.extend([a, b]);
            }
            (Some(a), Some(b), Some(c)) => {
                let (a, b, c) = tokio::join!(
                    turnstile.actor(0, hub.perform(a)),
                    turnstile.actor(1, hub.perform(b)),
                    turnstile.actor(2, hub.perform(c))
                );
                effects.extend([a, b, c]);
            }
            (Some(a), None, _) => effects.push(hub.perform(a).await),
            (None, _, _) => {}
        }
        turnstile.start(0);
        for effect in effects {
            self.apply(effect);
        }
    }

    fn pick_known(&mut self) -> Option<PaymentRequestId> {
        if self.known.is_empty() {
            return None;
        }
        let index = self.rng.random_range(0..self.known.len());
        self.known.get(index).copied()
    }

    /// Draws an action that may run in a race.
    pub fn draw_action(&mut self) -> Option<Action> {
        match self.rng.random_range(0..100) {
            0..15 => Some(self.draw_create()),
            15..45 => {
                let id = self.pick_known()?;
                Some(self.draw_pay(id))
            }
            45..75 => self.draw_message().map(Action::Deliver),
            75..83 => self.pick_known().map(Action::Cancel),
            83..90 => Some(Action::Expire),
            90..94 => Some(Action::Recover),
            _ => Some(Action::Notify(5)),
        }
    }

    fn draw_pay(&mut self, id: PaymentRequestId) -> Action {
        let sequence = self.rng.random_range(1..=2);
        let provider = PROVIDERS
            .get(self.rng.random_range(0..PROVIDERS.len()))
            .copied()
            .unwrap_or("DEMO0000");
        Action::Pay {
            id,
            sequence,
            provider,
        }
    }

    /// Two or three actions on one request, to run at once: where races
    /// matter (a cancel, an expiry and a payment's message about the same
    /// request).
    pub fn draw_race(&mut self) -> Vec<Action> {
        let Some(target) = self.pick_known() else {
            return Vec::new();
        };
        // A client's call and its impatient retry, under one key.
        if self.rng.random_bool(0.1) {
            let first = self.draw_keyed_create();
            let mut retry = first.clone();
            if let Action::Create(_, Some((_, node))) = &mut retry {
                *node = 1;
            }
            return vec![first, retry];
        }
        let count = self.rng.random_range(2..=3);
        let mut actions = Vec::new();
        for _ in 0..count {
            let action = match self.rng.random_range(0..100) {
                0..30 => Some(Action::Cancel(target)),
                30..60 => self
                    .take_message_about(target)
                    .or_else(|| self.draw_message())
                    .map(Action::Deliver),
                60..80 => Some(Action::Expire),
                80..92 => Some(self.draw_pay(target)),
                _ => Some(Action::Recover),
            };
            actions.extend(action);
        }
        actions
    }

    /// A message on the network about one of `request`'s attempts, ready or
    /// not (it simply arrives early).
    fn take_message_about(&mut self, request: PaymentRequestId) -> Option<InFlight> {
        let mut outside = bank::lock(&self.outside);
        let about: Vec<usize> = outside
            .network
            .iter()
            .enumerate()
            .filter(|(_, m)| self.attempts.get(&m.attempt) == Some(&request))
            .map(|(i, _)| i)
            .collect();
        let pick = about
            .get(outside.rng.random_range(0..about.len().max(1)))
            .copied()?;
        Some(outside.network.remove(pick))
    }

    /// A create: new, under a new key half the time; or — a third of the time,
    /// when there are keys to reuse — a keyed create sent again (a client that
    /// got no answer, or a replay), now and then with another body.
    fn draw_create(&mut self) -> Action {
        let now = self.clock.now();
        // Within the key's lifetime, with an hour to spare: past it the same
        // key rightly makes a new request.
        let live: Vec<String> = self
            .keys
            .iter()
            .filter(|(_, k)| now - k.first_sent < DEFAULT_TTL - Duration::hours(1))
            .map(|(key, _)| key.clone())
            .collect();
        if !live.is_empty() && self.rng.random_bool(0.33) {
            let key = live
                .get(self.rng.random_range(0..live.len()))
                .cloned()
                .unwrap_or_default();
            let mut input = self
                .keys
                .get(&key)
                .map(|k| k.input.clone())
                .unwrap_or_default();
            if self.rng.random_bool(0.1) {
                // Another request under the same key: refused, whatever happened to the first.
                input.expiry_date = Some(self.now_text(Duration::minutes(7)));
            }
            let node = self.rng.random_range(0..2);
            return Action::Create(input, Some((key, node)));
        }
        if self.rng.random_bool(0.5) {
            return self.draw_keyed_create();
        }
        Action::Create(self.draw_input(), None)
    }

    /// A new create under a new key; the request carries the key as its payer's
    /// name, so that the checks can count the requests made under it.
    fn draw_keyed_create(&mut self) -> Action {
        let key = format!("sim-key-{}", self.keys.len());
        let mut input = self.draw_input();
        input.client_info = Some(ClientInfoInput {
            client_name: Some(key.clone()),
            ..ClientInfoInput::default()
        });
        self.keys.insert(
            key.clone(),
            KeyedCreate {
                input: input.clone(),
                first_sent: self.clock.now(),
                answered: None,
            },
        );
        Action::Create(input, Some((key, 0)))
    }

    fn draw_input(&mut self) -> Box<PaymentRequestInput> {
        let two_payees = self.rng.random_bool(0.4);
        let quantity = self.rng.random_range(1..=20);
        let price_list = if two_payees {
            vec![
                PriceListItemInput {
                    position: Some("53".into()),
                    item: Some(quantity.to_string()),
                    item_element_name: Some("Quantity".into()),
                },
                PriceListItemInput {
                    position: Some("54".into()),
                    item: Some(format!("{}.{:02}", quantity, self.rng.random_range(0..100))),
                    item_element_name: Some("Amount".into()),
                },
            ]
        } else {
            vec![
                PriceListItemInput {
                    position: Some("2346".into()),
                    item: Some(quantity.to_string()),
                    item_element_name: Some("Quantity".into()),
                },
                PriceListItemInput {
                    position: Some("172".into()),
                    item: Some("1".into()),
                    item_element_name: Some("Quantity".into()),
                },
            ]
        };
        let minutes = self.rng.random_range(5..180);
        Box::new(PaymentRequestInput {
            service_step: Some(if two_payees { "02Y70" } else { "03G10" }.into()),
            price_list,
            expiry_date: Some(self.now_text(Duration::minutes(minutes))),
            server_response_url: Some(NOTIFY_BASE.into()),
            ..PaymentRequestInput::default()
        })
    }

    /// Takes one ready provider message off the network (any of the ready
    /// ones: reordering); a browser return may be lost, and someone may post
    /// an unsigned copy instead.
    pub fn draw_message(&mut self) -> Option<InFlight> {
        let now = self.clock.now();
        let mut outside = bank::lock(&self.outside);
        let ready: Vec<usize> = outside
            .network
            .iter()
            .enumerate()
            .filter(|(_, m)| m.ready_at <= now)
            .map(|(i, _)| i)
            .collect();
        if ready.is_empty() {
            return None;
        }
        let pick = ready
            .get(outside.rng.random_range(0..ready.len()))
            .copied()
            .unwrap_or(0);
        let mut message = outside.network.remove(pick);
        if message.channel == Channel::Browser && outside.fails(50) {
            drop(outside);
            self.trace.line(format!("lost return {}", message.attempt));
            return None;
        }
        if outside.fails(30) {
            message.forged = true;
        }
        Some(message)
    }

    /// A payer at the bank approves or refuses (an order the payer walked
    /// away from stays until the bank times it out).
    pub fn bank_decides(&mut self) {
        let waiting: Vec<usize> = {
            let outside = bank::lock(&self.outside);
            outside
                .orders
                .iter()
                .enumerate()
                .filter(|(_, o)| o.state == OrderState::AtBank && o.fate != bank::Fate::Abandon)
                .map(|(i, _)| i)
                .collect()
        };
        if waiting.is_empty() {
            return;
        }
        let pick = waiting
            .get(self.rng.random_range(0..waiting.len()))
            .copied()
            .unwrap_or(0);
        let now = self.clock.now();
        let done = bank::lock(&self.outside).payer_finishes(pick, now);
        if let Some(done) = done {
            self.trace.line(format!("bank {done}"));
        }
    }

    pub fn advance(&mut self, seconds: i64) {
        self.clock.advance(Duration::seconds(seconds));
        self.trace.line(format!("clock +{seconds}s"));
    }
}

fn action_name(action: &Action) -> String {
    match action {
        Action::Create(_, None) => "create".into(),
        Action::Create(_, Some((key, node))) => format!("create under {key} at node {node}"),
        Action::Pay { id, sequence, .. } => format!("pay {id} #{sequence}"),
        Action::Deliver(message) => format!("{:?} {}", message.channel, message.attempt),
        Action::Cancel(id) => format!("cancel {id}"),
        Action::Expire => "expire".into(),
        Action::Recover => "recover".into(),
        Action::Notify(_) => "notify".into(),
    }
}
