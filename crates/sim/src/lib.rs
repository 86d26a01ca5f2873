//! The marketplace simulator: buyers and sellers with habits, orders over simulated
//! days, carriers that are sometimes late or lose parcels. It drives the real engine on
//! a simulated clock and keeps the ground truth of what it did, so a run can be
//! compared with what the engine recorded.

pub mod chaos;
pub mod chart;
mod chat;
pub mod feedback;
pub mod story;

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};
use std::time::Instant;

use anyhow::Context;
use domain::{
    BuyerId, Country, Currency, Money, OrderId, SellerId, Timestamp, TrackingNumber, MS_PER_DAY,
    MS_PER_HOUR,
};
use engine::{Engine, EngineError, Request};
use protection::{
    Actor, Command, DecideAs, DisputeCommand, Evidence, Order, Reason, RespondWith, Stage, Status,
    ThreeDs,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Simulated time starts here: 2026-01-01T00:00:00Z.
pub const START_MS: i64 = 1_767_225_600_000;

#[derive(Debug, Clone)]
pub struct Config {
    pub sellers: usize,
    pub buyers: usize,
    pub days: u32,
    pub seed: u64,
    /// Mean orders a buyer places per day.
    pub orders_per_buyer_day: f64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            sellers: 20,
            buyers: 200,
            days: 30,
            seed: 1,
            orders_per_buyer_day: 0.1,
        }
    }
}

impl Config {
    pub fn check(&self) -> anyhow::Result<()> {
        anyhow::ensure!(
            (1..=100_000).contains(&self.sellers),
            "--sellers must be 1 to 100000"
        );
        anyhow::ensure!(
            (1..=1_000_000).contains(&self.buyers),
            "--buyers must be 1 to 1000000"
        );
        anyhow::ensure!((1..=3650).contains(&self.days), "--days must be 1 to 3650");
        Ok(())
    }
}

/// How a seller behaves: the ground truth the report compares against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SellerHabit {
    /// Ships within 1-3 days.
    Reliable,
    /// Ships in 3-10 days, sometimes after the handling deadline.
    Slow,
    /// Often never ships at all.
    Unreliable,
}

impl SellerHabit {
    pub fn as_str(self) -> &'static str {
        match self {
            SellerHabit::Reliable => "reliable",
            SellerHabit::Slow => "slow",
            SellerHabit::Unreliable => "unreliable",
        }
    }
}

/// How a seller handles disputes: the ground truth for the dispute report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum DisputeHabit {
    /// Answers in a day or three: accepts, offers a return or a partial refund.
    Honest,
    /// Answers after 4 to 7 days, often past the 5-day deadline.
    Slow,
    /// Never answers.
    Ignores,
    /// Rejects every claim.
    RejectsAll,
    /// Asks the buyer to close the dispute in return for a promise.
    AsksToClose,
}

impl DisputeHabit {
    pub fn as_str(self) -> &'static str {
        match self {
            DisputeHabit::Honest => "honest",
            DisputeHabit::Slow => "slow",
            DisputeHabit::Ignores => "ignores disputes",
            DisputeHabit::RejectsAll => "rejects everything",
            DisputeHabit::AsksToClose => "asks buyers to close",
        }
    }
}

/// What the simulator meant to happen to a parcel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Fate {
    OnTime,
    Late,
    VeryLate,
    Lost,
    NeverShipped,
}

/// Totals of one currency, in minor units.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MoneyTotals {
    pub captured: i64,
    pub held: i64,
    pub released: i64,
    /// Everything refunded to buyers, from the three sources below (the ledger's).
    pub refunded: i64,
    pub compensated: i64,
    pub paid_out: i64,
    /// Refunded out of orders' escrow.
    pub refunded_from_escrow: i64,
    /// Refunds taken back from sellers after release.
    pub clawed_back: i64,
    /// Paid by the platform's guarantee fund (in a seller's place, or the Guaranteed
    /// Genuine extra).
    pub guarantee: i64,
}

impl MoneyTotals {
    /// Everything that went back to buyers: refunds from every source and on-time
    /// compensation.
    pub fn back_to_buyers(&self) -> i64 {
        self.refunded + self.compensated
    }
}

#[derive(Debug, Clone, Default)]
pub struct Report {
    pub orders: usize,
    pub commands: usize,
    pub rejected: usize,
    pub deadlines_fired: usize,
    pub events: usize,
    pub elapsed_ms: u128,
    pub by_status: BTreeMap<String, usize>,
    pub by_event: BTreeMap<String, usize>,
    pub money: BTreeMap<Currency, MoneyTotals>,
    /// Ground truth against outcome: (intended fate, final status) -> orders.
    pub fates: BTreeMap<(String, String), usize>,
    pub sellers_by_habit: BTreeMap<String, usize>,
    pub early_confirmations: usize,
    pub cancel_reasons: BTreeMap<String, usize>,
    /// (reason, outcome) -> disputes; outcome "open" for the unresolved.
    pub disputes: BTreeMap<(String, String), usize>,
    pub sellers_by_dispute_habit: BTreeMap<String, usize>,
    /// (seller's dispute habit, outcome) -> disputes.
    pub dispute_outcomes_by_habit: BTreeMap<(String, String), usize>,
    /// Disputes the simulator knows were unfounded (no real problem).
    pub unfounded_disputes: usize,
    /// Store ratings at the end, averaged over the sellers of each habit that have the
    /// figure (none: `None`, never 0).
    pub ratings_by_habit: BTreeMap<String, HabitRatings>,
    /// Feedback the buyers left, by what they went through ("on time", "late",
    /// "counterfeit"...).
    pub feedback_by_experience: BTreeMap<String, feedback::Tally>,
    /// The run at the end of each simulated day.
    pub timeline: Vec<story::Day>,
    pub dispute_funnel: story::Funnel,
    /// Chat messages posted, and how many of them were scams (ground truth).
    pub messages: usize,
    pub scam_messages: usize,
    /// (scam messages with any signal, honest messages with any signal).
    pub message_flagged: (usize, usize),
    /// Signal kind -> the scanner's findings against the simulator's truth.
    pub detection: BTreeMap<String, Detection>,
    /// Cases the engine opened for agents.
    pub cases_opened: usize,
}

/// The store ratings of the sellers of one habit at the end of the run: each figure the
/// mean over the sellers that have it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HabitRatings {
    pub sellers: usize,
    /// Sellers with counted feedback.
    pub rated: usize,
    /// Feedback counted over all these sellers.
    pub feedback: u64,
    pub positive_share: Option<f64>,
    pub on_time_shipping: Option<f64>,
    pub dispute_rate: Option<f64>,
    pub item_as_described: Option<f64>,
    pub communication: Option<f64>,
    pub shipping_speed: Option<f64>,
}

/// A mean of the values that are there.
#[derive(Default)]
struct Mean(f64, usize);

impl Mean {
    fn add(&mut self, v: Option<f64>) {
        if let Some(v) = v {
            self.0 += v;
            self.1 += 1;
        }
    }
    fn get(&self) -> Option<f64> {
        (self.1 > 0).then(|| self.0 / self.1 as f64)
    }
}

/// True and false positives and misses of one signal kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Detection {
    pub tp: usize,
    pub fp: usize,
    pub fn_: usize,
}

impl Detection {
    pub fn precision(&self) -> Option<f64> {
        (self.tp + self.fp > 0).then(|| self.tp as f64 / (self.tp + self.fp) as f64)
    }
    pub fn recall(&self) -> Option<f64> {
        (self.tp + self.fn_ > 0).then(|| self.tp as f64 / (self.tp + self.fn_) as f64)
    }
}

impl Report {
    pub fn events_per_second(&self) -> f64 {
        self.events as f64 / (self.elapsed_ms.max(1) as f64 / 1000.0)
    }

    pub fn commands_per_second(&self) -> f64 {
        (self.commands + self.deadlines_fired) as f64 / (self.elapsed_ms.max(1) as f64 / 1000.0)
    }
}

struct SimOrder {
    id: OrderId,
    buyer: BuyerId,
    seller: SellerId,
    habit: SellerHabit,
    dispute_habit: DisputeHabit,
    fate: Fate,
    /// The real problem with the item, if any: the ground truth of a dispute.
    problem: Option<Reason>,
    /// A buyer who disputes without a real problem.
    unfounded: bool,
    /// A seller who also tries the chat scams.
    scammer: bool,
}

/// A scheduled action of a simulated person or carrier.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Action {
    Place(usize),
    Pay(usize),
    Ship(usize),
    Deliver(usize),
    Confirm(usize, bool),
    Cancel(usize),
    AskExtension(usize),
    OpenDispute(usize),
    SellerDisputeTurn(usize),
    BuyerDisputeTurn(usize, Turn),
    AgentDecide(usize),
    ReturnShip(usize),
    ReturnDeliver(usize),
    ReturnReceived(usize),
    LeaveFeedback(usize),
    /// A chat message: (order, index into `chat::HONEST` or `chat::SCAM`, scam).
    Chat(usize, usize, bool),
}

/// What the buyer does next in a dispute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Turn {
    AcceptOffer,
    Counter,
    Escalate,
    Withdraw,
}

fn pick_currency(rng: &mut StdRng) -> (Currency, i64, i64) {
    // (currency, price range in minor units)
    let r: f64 = rng.random();
    if r < 0.6 {
        (Currency::parse("USD").expect("known"), 150, 25_000)
    } else if r < 0.9 {
        (Currency::parse("EUR").expect("known"), 150, 25_000)
    } else {
        (Currency::parse("JPY").expect("known"), 200, 30_000)
    }
}

/// Runs the simulation through the engine. `progress(done_days, days)` is called as
/// simulated days pass; `id_prefix` keeps the ids of separate runs on one database apart.
pub async fn run(
    engine: &Engine,
    config: &Config,
    id_prefix: &str,
    mut progress: impl FnMut(u32, u32),
) -> anyhow::Result<Report> {
    config.check()?;
    let started = Instant::now();
    let mut sim = Sim::setup(config, id_prefix)?;
    sim.run_days(engine, config, &mut progress).await?;
    sim.fire_due(engine, Timestamp::from_unix_ms(sim.end_ms))
        .await?;
    progress(config.days, config.days);
    let mut report = sim.finish(engine, id_prefix).await?;
    report.elapsed_ms = started.elapsed().as_millis();
    Ok(report)
}

/// The id prefix of a new run on `store`: empty on an empty database, else one that
/// keeps the run's orders, buyers and sellers apart from every earlier run's.
pub async fn run_prefix(store: &store::Store) -> anyhow::Result<String> {
    let existing: i64 = store
        .order_counts()
        .await
        .context("failed to read orders")?
        .iter()
        .map(|(_, n)| n)
        .sum();
    Ok(if existing == 0 {
        String::new()
    } else {
        format!("r{existing}-")
    })
}

/// The run's share of the ledger: (accounts its transfers touch, its transfers), found
/// by the order ids of its transfers.
pub fn ledger_share(book: &ledger::Book, id_prefix: &str) -> (usize, usize) {
    let mut accounts = std::collections::BTreeSet::new();
    let mut transfers = 0;
    for r in book.recorded() {
        if r.transfer
            .order
            .as_ref()
            .is_some_and(|o| o.as_str().starts_with(id_prefix))
        {
            transfers += 1;
            accounts.insert(r.debit.clone());
            accounts.insert(r.credit.clone());
        }
    }
    (accounts.len(), transfers)
}

/// A number the run adds to the random part of its tracking numbers, so that a second
/// run on one database never reuses the first one's (the engine would flag them).
fn tracking_salt(id_prefix: &str) -> u64 {
    id_prefix.bytes().fold(0_u64, |h, b| {
        h.wrapping_mul(1_099_511_628_211).wrapping_add(u64::from(b))
    })
}

/// (price, shipping, promised days, destination country) of an order, drawn when it
/// is planned and used when it is placed, paid and disputed.
type Placed = (Money, Money, i64, Option<String>);

/// The sellers' ground truth, by seller index.
struct Sellers {
    habits: Vec<SellerHabit>,
    dispute_habits: Vec<DisputeHabit>,
    scammers: Vec<bool>,
}

/// The actions waiting their time, earliest first; ties in the order they were pushed.
#[derive(Default)]
struct Agenda {
    queue: BinaryHeap<Reverse<(i64, u64, Action)>>,
    tiebreak: u64,
}

impl Agenda {
    fn push(&mut self, at: i64, a: Action) {
        self.tiebreak += 1;
        self.queue.push(Reverse((at, self.tiebreak, a)));
    }
}

/// One run's state: the random source, the people and orders, what happens next and
/// the report so far.
struct Sim {
    rng: StdRng,
    sellers: Sellers,
    orders: Vec<SimOrder>,
    placed_prices: Vec<Placed>,
    agenda: Agenda,
    report: Report,
    end_ms: i64,
    /// The run's id prefix: only its own orders' deadlines count in its report.
    prefix: String,
    salt: u64,
    /// The feedback being sent, counted in the report once the engine took it.
    sending: Option<(String, feedback::Feedback)>,
}

/// `at` plus a random number of hours between `lo` and `hi`.
fn hours(rng: &mut StdRng, at: i64, lo: f64, hi: f64) -> i64 {
    at + (rng.random_range(lo..hi) * MS_PER_HOUR as f64) as i64
}

/// `at` plus a random number of days between `lo` and `hi`.
fn days(rng: &mut StdRng, at: i64, lo: f64, hi: f64) -> i64 {
    at + (rng.random_range(lo..hi) * MS_PER_DAY as f64) as i64
}

// Setup: sellers with their habits, then the orders of the run with their fates.
impl Sellers {
    fn draw(rng: &mut StdRng, config: &Config) -> Sellers {
        let habits: Vec<SellerHabit> = (0..config.sellers)
            .map(|_| match rng.random::<f64>() {
                r if r < 0.7 => SellerHabit::Reliable,
                r if r < 0.9 => SellerHabit::Slow,
                _ => SellerHabit::Unreliable,
            })
            .collect();
        let dispute_habits: Vec<DisputeHabit> = habits
            .iter()
            .map(|h| {
                let r: f64 = rng.random();
                match h {
                    SellerHabit::Reliable if r < 0.85 => DisputeHabit::Honest,
                    SellerHabit::Reliable => DisputeHabit::Slow,
                    SellerHabit::Slow if r < 0.5 => DisputeHabit::Slow,
                    SellerHabit::Slow => DisputeHabit::Honest,
                    SellerHabit::Unreliable if r < 0.34 => DisputeHabit::Ignores,
                    SellerHabit::Unreliable if r < 0.67 => DisputeHabit::RejectsAll,
                    SellerHabit::Unreliable => DisputeHabit::AsksToClose,
                }
            })
            .collect();
        // Half the unreliable sellers and a few slow ones also try chat scams.
        let scammers: Vec<bool> = habits
            .iter()
            .map(|h| match h {
                SellerHabit::Unreliable => rng.random_bool(0.5),
                SellerHabit::Slow => rng.random_bool(0.1),
                SellerHabit::Reliable => false,
            })
            .collect();
        Sellers {
            habits,
            dispute_habits,
            scammers,
        }
    }

    fn count(&self, report: &mut Report) {
        for (h, d) in self.habits.iter().zip(&self.dispute_habits) {
            *report
                .sellers_by_habit
                .entry(h.as_str().to_string())
                .or_default() += 1;
            *report
                .sellers_by_dispute_habit
                .entry(d.as_str().to_string())
                .or_default() += 1;
        }
    }
}

impl Sim {
    fn setup(config: &Config, id_prefix: &str) -> anyhow::Result<Sim> {
        let mut rng = StdRng::seed_from_u64(config.seed);
        let mut report = Report::default();
        let sellers = Sellers::draw(&mut rng, config);
        sellers.count(&mut report);
        let mut sim = Sim {
            rng,
            sellers,
            orders: Vec::new(),
            placed_prices: Vec::new(),
            agenda: Agenda::default(),
            report,
            end_ms: START_MS + i64::from(config.days) * MS_PER_DAY,
            prefix: id_prefix.to_string(),
            salt: tracking_salt(id_prefix),
            sending: None,
        };
        for (i, (at, buyer, seller)) in sim.plan_orders(config).iter().enumerate() {
            sim.plan_order(i, *at, *buyer, *seller, id_prefix)?;
        }
        Ok(sim)
    }

    /// When orders arrive through the run, and between whom; every later step is
    /// scheduled when its turn comes.
    fn plan_orders(&mut self, config: &Config) -> Vec<(i64, usize, usize)> {
        let rng = &mut self.rng;
        let end_ms = self.end_ms;
        let expected = config.buyers as f64 * config.orders_per_buyer_day * f64::from(config.days);
        let n_orders = expected.round().max(1.0) as usize;
        let mut plans: Vec<(i64, usize, usize)> = (0..n_orders)
            .map(|_| {
                // Orders stop a week before the end so most of them can finish.
                let span = (end_ms - START_MS).max(MS_PER_DAY);
                let at = START_MS + rng.random_range(0..span);
                (
                    at,
                    rng.random_range(0..config.buyers),
                    rng.random_range(0..config.sellers),
                )
            })
            .collect();
        plans.sort();
        plans
    }

    /// Draws what order `i` will go through (the ground truth) and what it costs, and
    /// schedules its placing.
    fn plan_order(
        &mut self,
        i: usize,
        at: i64,
        buyer: usize,
        seller: usize,
        id_prefix: &str,
    ) -> anyhow::Result<()> {
        let rng = &mut self.rng;
        let habit = self.sellers.habits[seller];
        let fate = match (habit, rng.random::<f64>()) {
            (SellerHabit::Unreliable, r) if r < 0.35 => Fate::NeverShipped,
            (SellerHabit::Slow, r) if r < 0.12 => Fate::NeverShipped,
            (_, r) if r < 0.03 => Fate::Lost,
            (_, r) if r < 0.06 => Fate::VeryLate,
            (_, r) if r < 0.16 => Fate::Late,
            _ => Fate::OnTime,
        };
        // Real problems with delivered items, by reason; a few buyers claim without one.
        let problem = match rng.random::<f64>() {
            r if r < 0.030 => Some(Reason::NotAsDescribed),
            r if r < 0.050 => Some(Reason::Damaged),
            r if r < 0.062 => Some(Reason::WrongItem),
            r if r < 0.072 => Some(Reason::MissingParts),
            r if r < 0.080 => Some(Reason::Counterfeit),
            r if r < 0.083 => Some(Reason::Other),
            _ => None,
        };
        let unfounded = problem.is_none() && rng.random_bool(0.01);
        let (cur, lo, hi) = pick_currency(rng);
        let price = Money::from_minor(rng.random_range(lo..hi), cur)?;
        let shipping = Money::from_minor(
            if rng.random_bool(0.6) {
                0
            } else {
                rng.random_range(0..lo * 3)
            },
            cur,
        )?;
        let promised = rng.random_range(12..40);
        let country = match rng.random_range(0..10) {
            0 => Some("BR".to_string()),
            1 => Some("RU".to_string()),
            2 | 3 => Some("DE".to_string()),
            4 | 5 => Some("US".to_string()),
            _ => None,
        };
        self.placed_prices
            .push((price, shipping, promised, country));
        self.orders.push(SimOrder {
            id: OrderId::parse(&format!("{id_prefix}o{i}")).context("order id")?,
            buyer: BuyerId::parse(&format!("{id_prefix}b{buyer}")).context("buyer id")?,
            seller: SellerId::parse(&format!("{id_prefix}s{seller}")).context("seller id")?,
            habit,
            dispute_habit: self.sellers.dispute_habits[seller],
            fate,
            problem,
            unfounded,
            scammer: self.sellers.scammers[seller],
        });
        self.agenda.push(at, Action::Place(i));
        Ok(())
    }
}

// The day loop: each action in time order becomes a command to the engine; what
// follows it is scheduled when it went through.
impl Sim {
    async fn run_days(
        &mut self,
        engine: &Engine,
        config: &Config,
        progress: &mut impl FnMut(u32, u32),
    ) -> anyhow::Result<()> {
        let mut last_day = 0;
        while let Some(Reverse((at, _, action))) = self.agenda.queue.pop() {
            if at > self.end_ms {
                break;
            }
            let day = ((at - START_MS) / MS_PER_DAY) as u32;
            if day != last_day {
                last_day = day;
                progress(day, config.days);
            }
            let now = Timestamp::from_unix_ms(at);
            self.fire_due(engine, now).await?;
            let (idx, actor, command) = match action {
                Action::LeaveFeedback(i) => match self.feedback_turn(engine, i, at).await? {
                    Some(c) => c,
                    None => continue,
                },
                _ => self.command(&action)?,
            };
            let request = Request {
                idempotency_key: Some(format!("{}-{}", self.orders[idx].id, self.report.commands)),
                order: self.orders[idx].id.clone(),
                actor,
                command,
                at: now,
            };
            self.report.commands += 1;
            match engine.execute(&request).await {
                Ok(outcome) => {
                    if let Some((label, f)) = self.sending.take() {
                        self.report
                            .feedback_by_experience
                            .entry(label)
                            .or_default()
                            .add(&f);
                    }
                    if let Action::Chat(_, line, scam) = &action {
                        self.score_chat(engine, &request, &outcome, *line, *scam)
                            .await?;
                    }
                }
                Err(EngineError::Rejected(_)) => {
                    self.sending = None;
                    self.report.rejected += 1;
                    continue;
                }
                Err(e) => return Err(anyhow::Error::new(e).context("engine failed")),
            }
            self.schedule_next(idx, action, at);
        }
        Ok(())
    }

    /// Fires the deadlines due at `now`; the report counts the run's own.
    async fn fire_due(&mut self, engine: &Engine, now: Timestamp) -> anyhow::Result<()> {
        let prefix = &self.prefix;
        let mut own = 0;
        engine
            .run_due_timers_each(now, usize::MAX, |order| {
                own += usize::from(order.as_str().starts_with(prefix.as_str()));
            })
            .await?;
        self.report.deadlines_fired += own;
        Ok(())
    }

    /// The command an action sends, with who sends it and on which order.
    fn command(&mut self, action: &Action) -> anyhow::Result<(usize, Actor, Command)> {
        Ok(match action {
            Action::Place(i) => self.place(*i),
            Action::Pay(i) => self.pay(*i)?,
            Action::Ship(i) => self.ship(*i),
            Action::Deliver(i) => (*i, Actor::Carrier, Command::Deliver { country: None }),
            Action::Confirm(i, early) => (
                *i,
                Actor::Buyer(self.orders[*i].buyer.clone()),
                Command::ConfirmReceipt {
                    acknowledge_no_delivery: *early,
                },
            ),
            Action::Cancel(i) => (
                *i,
                Actor::Buyer(self.orders[*i].buyer.clone()),
                Command::Cancel,
            ),
            Action::AskExtension(i) => (
                *i,
                Actor::Seller(self.orders[*i].seller.clone()),
                Command::GrantExtension { days: 10 },
            ),
            Action::OpenDispute(i) => self.open_dispute(*i),
            Action::SellerDisputeTurn(i) => self.seller_dispute_turn(*i)?,
            Action::BuyerDisputeTurn(i, turn) => self.buyer_dispute_turn(*i, *turn)?,
            Action::AgentDecide(i) => self.agent_decide(*i),
            Action::ReturnShip(i) => (
                *i,
                Actor::Buyer(self.orders[*i].buyer.clone()),
                Command::Dispute(DisputeCommand::ReturnShipped {
                    tracking: simulated_tracking(format!(
                        "RR{:09}CN",
                        (self.rng.random_range(0..1_000_000_000_u64) + self.salt % 1_000_000_000)
                            % 1_000_000_000
                    )),
                    shipping_cost: None,
                }),
            ),
            Action::ReturnDeliver(i) => (
                *i,
                Actor::Carrier,
                Command::Dispute(DisputeCommand::ReturnDelivered),
            ),
            Action::ReturnReceived(i) => (
                *i,
                Actor::Seller(self.orders[*i].seller.clone()),
                Command::Dispute(DisputeCommand::ReturnReceived),
            ),
            Action::Chat(i, line, scam) => self.chat(*i, *line, *scam),
            Action::LeaveFeedback(_) => unreachable!("feedback is sent by feedback_turn"),
        })
    }

    /// What follows an action that went through.
    fn schedule_next(&mut self, idx: usize, action: Action, at: i64) {
        let o = &self.orders[idx];
        let rng = &mut self.rng;
        let agenda = &mut self.agenda;
        match action {
            Action::Place(i) => {
                let t = hours(rng, at, 0.05, 6.0);
                agenda.push(t, Action::Pay(i));
                if let Some((t, a)) = chat_at(rng, i, o.scammer, chat::Stage::PreShipment, at) {
                    agenda.push(t, a);
                }
            }
            Action::Pay(i) => {
                if rng.random_bool(0.03) {
                    let t = days(rng, at, 0.1, 2.0);
                    agenda.push(t, Action::Cancel(i));
                }
                let ship_in = match (o.habit, o.fate) {
                    (_, Fate::NeverShipped) => None,
                    (SellerHabit::Reliable, _) => Some(days(rng, at, 0.5, 3.0)),
                    _ => Some(days(rng, at, 2.0, 8.5)),
                };
                if let Some(t) = ship_in {
                    agenda.push(t, Action::Ship(i));
                }
            }
            Action::Ship(i) => self.after_ship(i, at),
            Action::Deliver(i) => self.after_delivery(i, at),
            Action::OpenDispute(i) => self.after_dispute_opened(i, at),
            Action::SellerDisputeTurn(_)
            | Action::BuyerDisputeTurn(..)
            | Action::AgentDecide(_)
            | Action::ReturnShip(_)
            | Action::ReturnDeliver(_) => self.after_dispute_step(idx, action, at),
            Action::Confirm(..)
            | Action::Cancel(_)
            | Action::AskExtension(_)
            | Action::ReturnReceived(_)
            | Action::LeaveFeedback(_)
            | Action::Chat(..) => {}
        }
    }
}

// The buyer.
impl Sim {
    fn pay(&mut self, i: usize) -> anyhow::Result<(usize, Actor, Command)> {
        let (price, shipping, _, _) = &self.placed_prices[i];
        let three_ds = if self.rng.random_bool(0.02) {
            ThreeDs::Failed
        } else {
            ThreeDs::Authenticated
        };
        // The buyer pays through the payment provider; the platform's payment side
        // reports its 3-D Secure result.
        Ok((
            i,
            Actor::Platform,
            Command::Pay {
                amount: price.checked_add(*shipping)?,
                three_ds,
            },
        ))
    }

    fn open_dispute(&self, i: usize) -> (usize, Actor, Command) {
        let o = &self.orders[i];
        let reason = match (o.fate, o.problem) {
            (Fate::Lost | Fate::VeryLate, _) => Reason::NotReceived,
            (_, Some(r)) => r,
            (_, None) => Reason::NotAsDescribed,
        };
        (
            i,
            Actor::Buyer(o.buyer.clone()),
            Command::Dispute(DisputeCommand::Open {
                reason,
                requested: None,
                evidence: vec![Evidence::Text {
                    text: format!("the item arrived {}", reason.as_str()),
                }],
            }),
        )
    }

    fn buyer_dispute_turn(&self, i: usize, turn: Turn) -> anyhow::Result<(usize, Actor, Command)> {
        let o = &self.orders[i];
        let command = match turn {
            Turn::AcceptOffer => DisputeCommand::AcceptOffer,
            Turn::Counter => {
                let total = self.placed_prices[i]
                    .0
                    .checked_add(self.placed_prices[i].1)?;
                DisputeCommand::Counter {
                    requested: Money::from_minor(
                        (total.amount_minor() * 2 / 3).max(1),
                        total.currency(),
                    )?,
                }
            }
            Turn::Escalate => DisputeCommand::Escalate,
            Turn::Withdraw => DisputeCommand::Withdraw {
                confirm_protection_ends: true,
            },
        };
        Ok((i, Actor::Buyer(o.buyer.clone()), Command::Dispute(command)))
    }

    /// A buyer who means to rate the store looks at the order: once it is completed or
    /// resolved, the feedback its experience earns; while it is under way, a look again
    /// in a few days; a cancelled order gets none.
    async fn feedback_turn(
        &mut self,
        engine: &Engine,
        i: usize,
        at: i64,
    ) -> anyhow::Result<Option<(usize, Actor, Command)>> {
        let o = &self.orders[i];
        let Some((order, _)) = engine.order(&o.id).await? else {
            return Ok(None);
        };
        match order.status {
            Status::Completed | Status::Resolved => {}
            Status::Cancelled | Status::Placed => return Ok(None),
            _ => {
                let t = days(&mut self.rng, at, 3.0, 7.0);
                self.agenda.push(t, Action::LeaveFeedback(i));
                return Ok(None);
            }
        }
        let exp = feedback::Experience::of(&order, o.problem);
        let mood = match self.rng.random::<f64>() {
            r if r < 0.1 => -1,
            r if r < 0.2 => 1,
            _ => 0,
        };
        let f = feedback::feedback(&order, exp, o.dispute_habit, mood);
        self.sending = Some((exp.label(), f));
        Ok(Some((
            i,
            Actor::Buyer(o.buyer.clone()),
            Command::LeaveFeedback {
                stars: f.stars,
                item_as_described: f.item_as_described,
                communication: f.communication,
                shipping_speed: f.shipping_speed,
                text: String::new(),
            },
        )))
    }

    /// After delivery: a dispute when there is a problem (or an unfounded claim), else
    /// sometimes a confirmation; most buyers rate the store later.
    fn after_delivery(&mut self, i: usize, at: i64) {
        let o = &self.orders[i];
        let rng = &mut self.rng;
        let agenda = &mut self.agenda;
        if let Some((t, a)) = chat_at(rng, i, o.scammer, chat::Stage::Delivered, at) {
            agenda.push(t, a);
        }
        if o.problem.is_some() || o.unfounded {
            let t = days(rng, at, 0.3, 3.0);
            agenda.push(t, Action::OpenDispute(i));
        } else if rng.random_bool(0.45) {
            let t = days(rng, at, 0.2, 4.0);
            agenda.push(t, Action::Confirm(i, false));
        }
    }
}

// The seller.
impl Sim {
    fn ship(&mut self, i: usize) -> (usize, Actor, Command) {
        let o = &self.orders[i];
        // Scammers paste one real number into many orders (fake tracking).
        let number = if o.scammer && self.rng.random_bool(0.5) {
            o.seller
                .as_str()
                .bytes()
                .fold(7_i64, |h, b| (h * 131 + i64::from(b)) % 100_000_000_000_000)
        } else {
            let salt = (self.salt % 100_000_000_000_000) as i64;
            (self.rng.random_range(0..100_000_000_000_000_i64) + salt) % 100_000_000_000_000
        };
        (
            i,
            Actor::Seller(o.seller.clone()),
            Command::Ship {
                tracking: simulated_tracking(format!("LP{number:014}")),
            },
        )
    }

    fn seller_dispute_turn(&self, i: usize) -> anyhow::Result<(usize, Actor, Command)> {
        let o = &self.orders[i];
        let response = match o.dispute_habit {
            DisputeHabit::RejectsAll | DisputeHabit::AsksToClose => RespondWith::Reject,
            _ => match o.problem {
                Some(Reason::WrongItem | Reason::NotAsDescribed) => RespondWith::Return,
                Some(Reason::MissingParts) => {
                    let total = self.placed_prices[i]
                        .0
                        .checked_add(self.placed_prices[i].1)?;
                    RespondWith::Partial(Money::from_minor(
                        (total.amount_minor() / 3).max(1),
                        total.currency(),
                    )?)
                }
                Some(_) => RespondWith::Accept,
                None if o.fate == Fate::Lost || o.fate == Fate::VeryLate => RespondWith::Accept,
                None => RespondWith::Reject,
            },
        };
        Ok((
            i,
            Actor::Seller(o.seller.clone()),
            Command::Dispute(DisputeCommand::Respond {
                response,
                evidence: vec![Evidence::Text {
                    text: "photos of the item before shipping".into(),
                }],
            }),
        ))
    }

    /// After shipping: the carrier's delivery as the parcel's fate says, and the
    /// seller's and buyer's moves while it travels.
    fn after_ship(&mut self, i: usize, at: i64) {
        let o = &self.orders[i];
        let rng = &mut self.rng;
        let agenda = &mut self.agenda;
        if let Some((t, a)) = chat_at(rng, i, o.scammer, chat::Stage::InTransit, at) {
            agenda.push(t, a);
        }
        let promised_days = self.placed_prices[i].2 as f64;
        let deliver = match o.fate {
            Fate::OnTime => Some(days(rng, at, promised_days * 0.3, promised_days * 0.95)),
            Fate::Late => Some(days(rng, at, promised_days + 0.2, promised_days + 6.0)),
            Fate::VeryLate => Some(days(rng, at, promised_days + 8.0, promised_days + 20.0)),
            Fate::Lost | Fate::NeverShipped => None,
        };
        if let Some(t) = deliver {
            agenda.push(t, Action::Deliver(i));
        }
        if rng.random_bool(0.05) {
            // Talked into confirming before the parcel arrived.
            let t = days(rng, at, 0.5, 5.0);
            agenda.push(t, Action::Confirm(i, true));
        }
        if matches!(o.fate, Fate::VeryLate | Fate::Lost) && rng.random_bool(0.3) {
            let t = days(rng, at, promised_days - 3.0, promised_days - 0.5);
            agenda.push(t, Action::AskExtension(i));
        }
        // Most buyers rate the store once the order is done: they look in a while.
        if rng.random_bool(0.6) {
            let t = days(rng, at, promised_days * 0.5, promised_days + 5.0);
            agenda.push(t, Action::LeaveFeedback(i));
        }
        if matches!(o.fate, Fate::VeryLate | Fate::Lost) && rng.random_bool(0.6) {
            // The parcel is not there by the promised date: open not_received.
            let t = days(rng, at, promised_days + 0.2, promised_days + 4.0);
            agenda.push(t, Action::OpenDispute(i));
        }
    }

    /// After a dispute opens: the seller's answer as its habit says, and the agent's
    /// decision for the disputes the platform ends up with.
    fn after_dispute_opened(&mut self, i: usize, at: i64) {
        let o = &self.orders[i];
        let rng = &mut self.rng;
        let agenda = &mut self.agenda;
        let asks_to_close = o.dispute_habit == DisputeHabit::AsksToClose;
        if let Some((t, a)) = chat_at(rng, i, o.scammer || asks_to_close, chat::Stage::Dispute, at)
        {
            agenda.push(t, a);
        }
        let delay = match o.dispute_habit {
            DisputeHabit::Honest => Some(days(rng, at, 0.3, 3.0)),
            DisputeHabit::Slow => Some(days(rng, at, 3.5, 7.0)),
            DisputeHabit::Ignores => None,
            DisputeHabit::RejectsAll | DisputeHabit::AsksToClose => Some(days(rng, at, 0.5, 2.0)),
        };
        if let Some(t) = delay {
            agenda.push(t, Action::SellerDisputeTurn(i));
        }
        // Disputes the platform ends up with (by escalation, also automatic
        // on day 15) get an agent's decision.
        let t = days(rng, at, 15.5, 18.0);
        agenda.push(t, Action::AgentDecide(i));
    }

    /// The turns of a dispute after it opened, and the return's journey.
    fn after_dispute_step(&mut self, idx: usize, action: Action, at: i64) {
        let o = &self.orders[idx];
        let rng = &mut self.rng;
        let agenda = &mut self.agenda;
        match action {
            Action::SellerDisputeTurn(i) => {
                let next = match (o.dispute_habit, o.problem) {
                    // "Close the dispute and I will send a new one": some buyers fall for it.
                    (DisputeHabit::AsksToClose, _) if rng.random_bool(0.35) => Turn::Withdraw,
                    (DisputeHabit::RejectsAll | DisputeHabit::AsksToClose, _) => Turn::Escalate,
                    (_, Some(Reason::MissingParts)) if rng.random_bool(0.3) => Turn::Counter,
                    _ => Turn::AcceptOffer,
                };
                let t = if next == Turn::Escalate {
                    days(rng, at, 3.2, 5.0)
                } else {
                    days(rng, at, 0.2, 2.0)
                };
                agenda.push(t, Action::BuyerDisputeTurn(i, next));
            }
            Action::BuyerDisputeTurn(i, Turn::Counter) => {
                let t = days(rng, at, 0.5, 2.5);
                agenda.push(t, Action::SellerDisputeTurn(i));
            }
            Action::BuyerDisputeTurn(i, Turn::AcceptOffer)
                if matches!(o.problem, Some(Reason::WrongItem | Reason::NotAsDescribed)) =>
            {
                let t = days(rng, at, 1.0, 11.0);
                agenda.push(t, Action::ReturnShip(i));
            }
            // A return the agent ordered: the buyer ships it back.
            Action::AgentDecide(i) if matches!(o.problem, Some(Reason::WrongItem)) => {
                let t = days(rng, at, 1.0, 8.0);
                agenda.push(t, Action::ReturnShip(i));
            }
            Action::ReturnShip(i) => {
                let t = days(rng, at, 5.0, 12.0);
                agenda.push(t, Action::ReturnDeliver(i));
            }
            Action::ReturnDeliver(i) if o.dispute_habit == DisputeHabit::Honest => {
                let t = days(rng, at, 0.5, 3.0);
                agenda.push(t, Action::ReturnReceived(i));
            }
            // Withdrawn and escalated disputes, agents' decisions without a return and
            // returns to dishonest sellers: nothing more from the simulated people.
            _ => {}
        }
    }
}

// The platform, its agents and the chat.
impl Sim {
    fn place(&self, i: usize) -> (usize, Actor, Command) {
        let o = &self.orders[i];
        let (price, shipping, promised, country) = self.placed_prices[i].clone();
        (
            i,
            Actor::Platform,
            Command::Place {
                buyer: o.buyer.clone(),
                seller: o.seller.clone(),
                price,
                shipping,
                handling_days: None,
                promised_days: promised,
                destination_country: country
                    .map(|c| Country::parse(&c).expect("simulated countries are ISO codes")),
                // A quarter of the listings carry Guaranteed Genuine (chosen by index,
                // so the random draws stay as they were).
                options: protection::OrderOptions {
                    guaranteed_genuine: i.is_multiple_of(4),
                    ..protection::OrderOptions::default()
                },
            },
        )
    }

    fn agent_decide(&self, i: usize) -> (usize, Actor, Command) {
        let o = &self.orders[i];
        let founded = o.problem.is_some() || matches!(o.fate, Fate::Lost | Fate::VeryLate);
        let outcome = match (founded, o.problem) {
            (false, _) => DecideAs::Rejected,
            (true, Some(Reason::WrongItem)) => DecideAs::ReturnAndRefund,
            (true, _) => DecideAs::RefundFull,
        };
        (
            i,
            Actor::Agent("sim-agent".into()),
            Command::Dispute(DisputeCommand::Decide { outcome }),
        )
    }

    fn chat(&mut self, i: usize, line: usize, scam: bool) -> (usize, Actor, Command) {
        let o = &self.orders[i];
        let l = if scam {
            &chat::SCAM[line]
        } else {
            &chat::HONEST[line]
        };
        let actor = if l.seller {
            Actor::Seller(o.seller.clone())
        } else {
            Actor::Buyer(o.buyer.clone())
        };
        (
            i,
            actor,
            Command::PostMessage {
                id: format!("m{}", self.report.commands),
                from: None,
                text: chat::fill(l.text, self.rng.random()),
            },
        )
    }

    /// The scanner's findings on a posted chat message against the simulator's truth.
    async fn score_chat(
        &mut self,
        engine: &Engine,
        request: &Request,
        outcome: &engine::Outcome,
        line: usize,
        scam: bool,
    ) -> anyhow::Result<()> {
        let report = &mut self.report;
        let truth = if scam {
            chat::SCAM[line].kinds
        } else {
            chat::HONEST[line].kinds
        };
        let log = engine.store().events(&request.order).await?;
        let found = log
            .iter()
            .filter(|r| r.seq >= outcome.seq_from)
            .find_map(|r| match &r.event {
                protection::Event::MessagePosted { kinds, .. } => Some(kinds.clone()),
                _ => None,
            })
            .unwrap_or_default();
        report.messages += 1;
        report.scam_messages += usize::from(scam);
        report.message_flagged.0 += usize::from(scam && !found.is_empty());
        report.message_flagged.1 += usize::from(!scam && !found.is_empty());
        let kinds: std::collections::BTreeSet<String> = truth
            .iter()
            .map(|k| k.to_string())
            .chain(found.iter().map(|k| k.to_string()))
            .collect();
        for kind in kinds {
            let e = report.detection.entry(kind.clone()).or_default();
            match (
                truth.contains(&kind.as_str()),
                found.iter().any(|k| k.as_str() == kind),
            ) {
                (true, true) => e.tp += 1,
                (false, true) => e.fp += 1,
                (true, false) => e.fn_ += 1,
                (false, false) => {}
            }
        }
        Ok(())
    }
}

// The report: each order's outcome against its ground truth, and the store ratings.
impl Sim {
    async fn finish(mut self, engine: &Engine, id_prefix: &str) -> anyhow::Result<Report> {
        let report = &mut self.report;
        report.orders = self.orders.len();
        let days = ((self.end_ms - START_MS) / MS_PER_DAY) as u32;
        let mut timeline = story::Timeline::new(days);
        for o in &self.orders {
            let Some((order, log)) = engine.order(&o.id).await? else {
                continue;
            };
            let transfers = engine.store().order_transfers(&o.id).await?;
            let refunds = ledger::Refunds::of(transfers.iter().map(|(r, _)| r));
            let ended = Ended {
                order: &order,
                log: &log,
                refunds: &refunds,
            };
            tally(report, &ended, o.fate, o.dispute_habit, o.unfounded);
            timeline.add(&o.id, &log);
            report.dispute_funnel.add(&order, &log);
        }
        report.timeline = timeline.days();
        let end = Timestamp::from_unix_ms(self.end_ms);
        let policy = protection::RatingPolicy::default();
        let mut sums: BTreeMap<String, (HabitRatings, [Mean; 6])> = BTreeMap::new();
        for (n, habit) in self.sellers.habits.iter().enumerate() {
            let seller = SellerId::parse(&format!("{id_prefix}s{n}")).context("seller id")?;
            let r = engine.seller_ratings(&seller, end, &policy).await?;
            let (h, means) = sums.entry(habit.as_str().to_string()).or_default();
            h.sellers += 1;
            h.rated += usize::from(r.positive_share.value().is_some());
            h.feedback += r.positive + r.neutral + r.negative;
            for (m, v) in means.iter_mut().zip([
                r.positive_share.value(),
                r.on_time_shipping.value(),
                r.dispute_rate.value(),
                r.item_as_described.value,
                r.communication.value,
                r.shipping_speed.value,
            ]) {
                m.add(v);
            }
        }
        report.ratings_by_habit = sums
            .into_iter()
            .map(|(habit, (h, m))| {
                let r = HabitRatings {
                    positive_share: m[0].get(),
                    on_time_shipping: m[1].get(),
                    dispute_rate: m[2].get(),
                    item_as_described: m[3].get(),
                    communication: m[4].get(),
                    shipping_speed: m[5].get(),
                    ..h
                };
                (habit, r)
            })
            .collect();
        Ok(self.report)
    }
}

/// A chat message at `stage` with some chance, for the caller to schedule: a scam
/// from a scammer, else an honest line.
fn chat_at(
    rng: &mut StdRng,
    order: usize,
    scammer: bool,
    stage: chat::Stage,
    at: i64,
) -> Option<(i64, Action)> {
    let scam = scammer && rng.random_bool(0.6);
    let lines = if scam { chat::SCAM } else { chat::HONEST };
    if !scam && !rng.random_bool(0.3) {
        return None;
    }
    let fitting: Vec<usize> = (0..lines.len())
        .filter(|&k| lines[k].stage == stage)
        .collect();
    if fitting.is_empty() {
        return None;
    }
    let line = fitting[rng.random_range(0..fitting.len())];
    let t = at + (rng.random_range(0.02..0.5) * MS_PER_DAY as f64) as i64;
    Some((t, Action::Chat(order, line, scam)))
}

/// One order as it ended: its state, its log and the refunds its ledger transfers made.
struct Ended<'a> {
    order: &'a Order,
    log: &'a [protection::Recorded],
    refunds: &'a ledger::Refunds,
}

fn tally(
    report: &mut Report,
    ended: &Ended<'_>,
    fate: Fate,
    dispute_habit: DisputeHabit,
    unfounded: bool,
) {
    let (order, log) = (ended.order, ended.log);
    report.events += log.len();
    for r in log {
        *report
            .by_event
            .entry(r.event.name().to_string())
            .or_default() += 1;
        if let protection::Event::CaseOpened { .. } = &r.event {
            report.cases_opened += 1;
        }
        if let protection::Event::Cancelled { reason, .. } = &r.event {
            *report
                .cancel_reasons
                .entry(reason.as_str().to_string())
                .or_default() += 1;
        }
    }
    *report
        .by_status
        .entry(order.status.as_str().to_string())
        .or_default() += 1;
    *report
        .fates
        .entry((format!("{fate:?}"), order.status.as_str().to_string()))
        .or_default() += 1;
    if order.early_confirmation {
        report.early_confirmations += 1;
    }
    if let Some(x) = &order.dispute {
        let outcome = match x.stage {
            Stage::Closed(o) => o.name().to_string(),
            _ => "open".to_string(),
        };
        *report
            .disputes
            .entry((x.reason.as_str().to_string(), outcome.clone()))
            .or_default() += 1;
        *report
            .dispute_outcomes_by_habit
            .entry((dispute_habit.as_str().to_string(), outcome))
            .or_default() += 1;
        if unfounded {
            report.unfounded_disputes += 1;
        }
    }
    let m = report.money.entry(order.currency).or_default();
    m.captured += order.captured_minor;
    m.held += order.held_minor();
    m.released += order.released_minor;
    let r = ended.refunds;
    m.refunded += ledger::Refunds::minor(r.total());
    m.refunded_from_escrow += ledger::Refunds::minor(r.from_escrow);
    m.compensated += order.compensated_minor;
    m.paid_out += order.paid_out_minor;
    m.clawed_back += ledger::Refunds::minor(r.from_seller);
    m.guarantee += ledger::Refunds::minor(r.from_guarantee_fund);
    debug_assert!(order.status != Status::Placed || order.captured_minor == 0);
}

/// A tracking number the simulator made up: letters and digits by construction.
fn simulated_tracking(number: String) -> TrackingNumber {
    TrackingNumber::parse(&number).expect("simulated tracking numbers are valid")
}
