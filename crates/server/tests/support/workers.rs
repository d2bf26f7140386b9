//! The expiry and status-recovery workers of a node, run in-process by a test
//! on the store of a running [`Hub`], on a clock of the test's own: the
//! server's own workers run on the wall clock and never reach a test's
//! requests in time, so these are the only ones that act on them. The
//! recovery asks the providers over HTTP through the hub's connectors.

use maksa_app::clock::{Clock, ManualClock};
use maksa_app::lifecycle::{Lifecycle, LifecycleSettings};
use maksa_app::metrics::Metrics;
use maksa_app::notifications::{Notifier, RetrySchedule};
use maksa_app::payer::{Payer, PayerSettings};
use maksa_outbound::{OutboundClient, OutboundPolicy};
use std::sync::Arc;
use time::{Duration, OffsetDateTime};

use super::payer_hub::Hub;

pub struct Workers {
    pub lifecycle: Lifecycle,
    pub clock: Arc<ManualClock>,
}

impl Workers {
    /// The workers on `hub`'s store, their clock an hour ahead of the wall
    /// clock: past every first status query (5 minutes after a start) and
    /// past the expiry grace (30 minutes) of a request that expires sooner.
    pub fn new(hub: &Hub) -> Workers {
        let clock = Arc::new(ManualClock::new(
            OffsetDateTime::now_utc().saturating_add(Duration::hours(1)),
        ));
        let metrics = Arc::new(Metrics::default());
        let payer = Arc::new(Payer::new(
            Arc::clone(&hub.store),
            clock.clone(),
            hub.connectors.clone(),
            PayerSettings {
                public_base_url: hub.base.clone(),
            },
        ));
        // Never used: these workers do not deliver notifications (the
        // server's own worker does), so nothing may leave through it.
        let notifier = Notifier::new(
            Arc::clone(&hub.store),
            clock.clone(),
            Arc::new(OutboundClient::new(OutboundPolicy::default())),
            RetrySchedule::parse("1m").unwrap(),
            Arc::clone(&metrics),
            "test-workers".into(),
        );
        let lifecycle = Lifecycle::new(
            Arc::clone(&hub.store),
            clock.clone(),
            notifier,
            Arc::clone(&payer),
            metrics,
            LifecycleSettings::default(),
            payer.wake_handle(),
        );
        Workers { lifecycle, clock }
    }

    /// Moves the clock on by `step`, and further if needed to stay at least
    /// an hour ahead of the wall clock.
    pub fn advance(&self, step: Duration) {
        self.clock.advance(step);
        let floor = OffsetDateTime::now_utc().saturating_add(Duration::hours(1));
        let now = self.clock.now();
        if now < floor {
            self.clock.advance(floor - now);
        }
    }
}
