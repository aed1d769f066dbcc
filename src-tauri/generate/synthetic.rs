//! Synthetic data at benchmark scale (issue 7): `ticketdesk demo-data --scale N` adds N tickets
//! with ~5 comments and ~10 history rows each (skewed: most tickets few, some many), a few
//! hundred users in every role, ~1 in-app notification per ticket and a few attachments, on top
//! of the demo data (so `ticketdesk bench` still signs in as `dev` and `lena`).
//!
//! How it stays fast: set-based `INSERT … SELECT` over `generate_series`, 100,000 tickets a
//! batch, on two connections of the owner (superuser) so both cores work; in each batch's
//! transaction `session_replication_role = replica` (no triggers, no foreign-key checks, no
//! pg_notify storm), `synchronous_commit = off` and no JIT. For a load that at least doubles
//! the tickets, the non-constraint indexes of the bulk tables are dropped first and re-created
//! afterwards by re-running the migrations' own `CREATE INDEX` statements (each checked against
//! its `pg_get_indexdef` from before), the GIN index on one connection while the rest build on
//! the other; then `VACUUM (ANALYZE)`.
//!
//! Because no trigger runs, this module writes what the triggers would have: every history row
//! (CREATED, ASSIGNED, STATUS_CHANGED, …, one COMMENT_ADDED per comment and one
//! ATTACHMENT_ADDED per attachment, in the triggers' JSON formats), `version`, `reopen_count`,
//! `resolved_at`/`closed_at`, `status_before_escalation`; rows reference existing users and
//! tickets by construction (an integration test checks every foreign key). A trigger that fires
//! on insert into one of these tables and that this module does not know stops the generator:
//! teach it what the trigger does first.
//!
//! Everything synthetic has a deterministic id in a range of its own (the last 48 bits count),
//! so ids grow with insertion order (cheap primary-key inserts) and a second run knows what is
//! there: it adds only the tickets that are missing to reach N, or nothing. Each batch commits
//! on its own; a run that stops half-way leaves whole batches, and the next run adds the rest
//! and re-creates any migration index still missing.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use chrono::{DateTime, Utc};
use sqlx::{ConnectOptions, Connection, PgConnection, PgPool};
use uuid::Uuid;

use crate::domain::user::Role;
use crate::generate::demo_data;

/// Tickets per statement.
pub const DEFAULT_BATCH: u64 = 100_000;
/// Synthetic users beside the 12 demo users.
pub const USER_COUNT: usize = 400;
/// Distinct attachment files (attachments share them, as content-addressed storage does).
const BLOB_COUNT: i64 = 300;

// Each kind of synthetic row owns an id range: `<prefix>-<48-bit counter>`.
const USER_PREFIX: &str = "5d170000-0000-4000-8000-";
const TICKET_PREFIX: &str = "5d170001-0000-4000-8000-";
const COMMENT_PREFIX: &str = "5d170002-0000-4000-8000-";
const HISTORY_PREFIX: &str = "5d170003-0000-4000-8000-";
const NOTIFICATION_PREFIX: &str = "5d170004-0000-4000-8000-";
const ATTACHMENT_PREFIX: &str = "5d170005-0000-4000-8000-";
const COUNTER_MASK: u128 = 0xffff_ffff_ffff;
/// History rows per ticket: slots 0–15 lifecycle, 16+j comment j, 240+ attachments.
const HISTORY_SLOTS: i64 = 256;
const MAX_COMMENTS: i64 = 150;

/// The tables the load writes with triggers off, and the insert triggers whose work it does
/// itself. Any other insert trigger on them makes the generator refuse to run.
const LOADED_TABLES: &[&str] = &[
    "users",
    "tickets",
    "comments",
    "ticket_history",
    "notifications",
    "attachments",
    "attachment_blobs",
    "attachment_blob_chunks",
];
const KNOWN_INSERT_TRIGGERS: &[&str] = &[
    // Ids and numbers: the loader writes its own (a block of the sequence, see below), which
    // the trigger keeps for anyone but a desktop.
    "trg_tickets_a_server_keys",
    "trg_tickets_check_insert",
    // The SLA policy and deadline: written by the loader (`syn_sla`), business hours spread
    // evenly over the week rather than counted day by day.
    "trg_tickets_check_insert_sla",
    "trg_tickets_history_insert",
    "trg_tickets_notify_insert",
    // The escalation a P1 starts (issue 15): the loader writes none, so synthetic P1 tickets
    // carry no escalation; the bench does not measure the ladder yet.
    "trg_tickets_ladder_insert",
    "trg_comments_check_insert",
    "trg_comments_after_insert",
    "trg_comments_notify_insert",
    "trg_attachments_check_insert",
    "trg_attachments_history",
];
/// Their non-constraint indexes are dropped for a large load and re-created after it.
const REINDEXED_TABLES: &[&str] = &["tickets", "comments", "ticket_history", "notifications"];

/// The vocabulary, most frequent first: English function words (as in real text; the
/// `english` text-search configuration drops most of them), then DevOps terms, then common
/// English words. Word rank r is drawn with P(r) ≈ 1/(r·ln V) (Zipf-like): "disk" (rank ~65)
/// lands in roughly one ticket in ten, "full" likewise, both together in a few per cent.
const COMMON_WORDS: &str = "
the to a on is in and of for it after not with we from at this since be are was our all but
when has have no can now again still every some that an by as or so out up then only more
error server production service failed deploy issue cluster latency database timeout request
network alert users access memory cpu node disk logs restart pod connection job config
update full build staging traffic load version pipeline container storage certificate
kubernetes dns api backup release query queue response cache host proxy slow upgrade
permission monitoring metrics dashboard rollback volume instance replica endpoint gateway
balancer firewall vpn ssh token secret credentials password login account port socket tls
ssl expired renewal image registry helm chart namespace deployment ingress egress route
subnet vlan packet loss throughput bandwidth spike usage quota limit threshold capacity
scaling autoscaler replicas shard partition index table schema migration transaction lock
deadlock replication lag primary standby failover snapshot restore retention archive bucket
object blob upload download mount filesystem inode nfs raid lvm block ssd iops write read
kernel patch reboot crash panic oom killed terraform ansible puppet chef vault consul nomad
docker compose jenkins gitlab github runner artifact workflow branch merge commit tag
prometheus grafana alertmanager loki elasticsearch kibana logstash fluentd kafka rabbitmq
redis memcached postgres mysql mongodb cassandra nginx apache haproxy envoy istio linkerd
mesh sidecar daemon cron systemd journal syslog rsyslog logrotate agent exporter scrape
probe liveness readiness healthcheck health status uptime downtime outage incident
postmortem oncall pager escalation sla breach ticket customer internal external vendor cloud
aws azure gcp region zone availability ec2 s3 rds lambda eks vm hypervisor vmware esxi
proxmox kvm qemu virtualbox template provisioning decommission inventory cmdb asset license
expiry rotation key ldap sso saml oauth oidc mfa group role policy rbac audit compliance
vulnerability cve scan scanner antivirus malware phishing intrusion waf ddos ratelimit
throttling retry backoff circuit breaker fallback degraded intermittent flapping noisy false
positive silence mute paging escalate acknowledge resolve reopen triage priority severity
critical high medium low urgent blocked waiting pending environment dev qa uat prod preprod
canary bluegreen rollout feature flag toggle hotfix regression bug defect crashloop evicted
unschedulable taint toleration affinity selector label annotation configmap secretstore
operator crd controller scheduler etcd apiserver kubelet kubectl containerd runc cgroup
seccomp apparmor selinux iptables nftables conntrack nat dhcp ntp clock drift skew hostname
resolver lookup record cname mx txt ttl propagation domain chain intermediate ca csr
keystore truststore java jvm heap gc garbage collector thread pool leak profiler trace
tracing span jaeger opentelemetry sampling log level debug verbose stack exception
stacktrace segfault core dump signal sigterm sigkill exit code zombie process pid fd
descriptor ulimit swap thrash rebuild array firmware bios ipmi bmc idrac ilo power supply
fan temperature rack datacenter cabling switch router uplink trunk bgp ospf mtu jumbo frames
duplex nic bonding lacp wifi printer laptop workstation monitor keyboard mouse headset email
mailbox outlook exchange smtp imap spam quarantine calendar teams slack zoom meeting webhook
notification integration plugin browser chrome firefox extension pac cookie session header
cors csp redirect https http bad unavailable forbidden unauthorized denied refused reset
handshake negotiation cipher protocol deprecated legacy cutover maintenance window change
freeze approval cab runbook playbook documentation wiki knowledge article owner team lead
manager engineer";
const FILLER_WORDS: &str = "
time people way day man thing woman life child world school state family student country
problem hand part place case week company system program question work government number
night point home water room mother area money story fact month lot right study book eye word
business side kind head house friend father hour game line end member law car city community
name president minute idea kid body information back parent face others office door person
art war history party result morning reason research girl guy moment air teacher force
education foot boy age music market sense nation plan college interest death experience
effect use class control care field development effort rate heart drug show leader light
voice wife police mind price report decision son view relationship town road arm difference
value building action model season society tax director position player paper space ground
form event official matter center couple site project activity star need court oil situation
cost industry figure street term test picture step letter stage patient nature century
evidence hotel behavior defense practice fire structure reality machine computer phone
screen file folder document sheet spreadsheet note message list detail example answer choice
option task goal target schedule deadline budget invoice payment order product item package
delivery shipment address contact support help desk go get make know think take see come
want look find give tell call try ask feel become leave put mean keep let begin seem talk
turn start hear play run move like live believe hold bring happen provide sit stand lose pay
meet include continue set learn understand watch follow stop create speak allow add spend
grow open walk win offer remember love consider appear buy wait serve die send expect stay
fall cut reach kill remain suggest raise pass sell require decide pull check fix verify
confirm investigate review compare replace remove install configure enable disable attach
detach assign notice observe reproduce escalated resolved closed opened updated changed
moved copied deleted created started stopped restarted worked broke crashed hung froze stuck
dropped lost missing found fixed applied tested deployed released merged reverted scheduled
planned cancelled postponed delayed approved rejected requested received sent returned
returns shows looks seems happens occurs appears good new first last long great little own
other old big different small large next early young important few public same able late
hard major better economic strong possible whole free military true federal international
special easy clear recent certain personal red difficult available likely short single
medical current wrong private past foreign fine common poor natural significant similar hot
dead central happy serious ready simple left physical general environmental financial blue
democratic dark various entire close legal religious cold final main green nice huge popular
traditional cultural quick quickly slowly usually often sometimes always never recently
currently already yet almost enough quite rather really very too also just even well maybe
perhaps probably certainly clearly simply exactly nearly mostly partly fully completely
randomly constantly occasionally frequently suddenly immediately eventually finally
initially previously afterwards today yesterday tomorrow tonight weekend monday tuesday
wednesday thursday friday saturday sunday january february march april may june july august
september october november december afternoon evening midnight noon across against along
among around before behind below beneath beside between beyond during except inside near
outside over through throughout toward under until upon within without above about via per
whereas although though unless while because whether either neither both each several many
much most less least plenty none nothing something anything everything someone anyone
everyone somebody nobody everybody whatever whenever wherever however therefore otherwise
instead meanwhile moreover furthermore apple bank bird boat bottle box bread bridge brother
brush camera candle card cat chair chicken coat coffee corner cotton cow cup curtain dog
dollar dress drink egg engine farm fish floor flower fork fruit garden glass glove gold
grass hair hammer hat hill horse ice island jacket jelly kitchen knife lamp leaf lemon map
meat milk moon mountain nail needle nest nose ocean orange pen pencil pie pig pin pipe plane
plate pocket pot potato rain ring river rock roof rope salt sand scissors sea seed sheep
shelf ship shirt shoe sky snake snow soap sock soup spoon square stamp stick stone sugar sun
sweater tail tea toe tooth towel toy train tree truck umbrella wall wheel whistle wind wing
wire wood wool accept achieve acquire adapt adjust admit adopt advance advise affect afford
agree aim alter amend analyse announce annoy anticipate apologise apply appoint appreciate
approach argue arise arrange arrest arrive assess assist assume assure attempt attend
attract avoid award balance ban bear beat behave belong bend benefit bet bind bite blame
blow boil bore borrow bother bounce brake breathe brief broadcast burn burst bury calculate
capture carry cast catch cause celebrate challenge charge chase chat cheat cheer chew chop
claim clean climb cling coach collapse collect combine comment communicate complain complete
concentrate concern conclude conduct confess confuse connect conquer consist construct
consult contain contribute convert convince cook cope copy correct cough count cover crack
crawl cross crush cry cure cycle damage dance dare deal debate decay declare decline
decorate decrease defeat defend define delay delete deliver demand deny depend depict derive
describe deserve design desire destroy detect determine develop differ dig direct disagree
disappear discover discuss dismiss display dispose distribute disturb divide donate double
doubt drag drain draw dream drill drive drown dry dust earn eat edit educate elect eliminate
embrace emerge emphasise employ empty encounter encourage endure enforce engage enhance
enjoy enlarge ensure enter entertain equip escape establish estimate evaluate evolve examine
exceed excite exclude excuse execute exercise exhibit exist expand explain explode explore
export expose express extend extract fade fail fasten fax feed fetch fight fill fit flash
flee float flood flow fly fold forbid forecast forget forgive frighten fry fund gain gather
glance glow grab grant greet grind guarantee guard guess guide halt handle hang harm hate
heal heat hesitate hide highlight hire hit hop hug hunt hurry hurt identify ignore
illustrate imagine imply import impose impress improve incline increase indicate inform
inherit inject injure insist inspect inspire instruct insult intend interrupt introduce
invent invest invite involve iron isolate join joke judge jump justify kick kneel knit knock
lack land laugh launch lay lean leap lend lick lie lift link listen locate lodge loosen
lower maintain manage manufacture mark marry match measure melt mention miss mix modify
motivate multiply negotiate nod obtain occupy operate oppose organise owe pack paint park
participate paste pat pause perceive perform permit persuade pick plant plead please plug
polish pop possess post pour practise praise pray predict prefer prepare present preserve
press pretend prevent print proceed produce progress promise promote pronounce propose
protect protest prove publish punch punish purchase pursue push qualify quit quote race rank
react realise recall recognise recommend recover recruit reduce refer reflect refuse regard
register regret reject relate relax rely remind rent repair repeat reply represent rescue
resemble reserve resign resist respond rest restrict retain retire reveal reverse ride rise
risk roll rub rule rush sail satisfy save scatter score scratch scream search secure seek
seize select separate settle shake shape share shave shift shine shoot shout shrink shut
sigh sign sing sink skip slide slip smell smile smoke solve sort sound spare spell spill
spin spit split spoil spread squeeze stare steal steer stir store strengthen stress stretch
strike struggle submit succeed suffer suit suppose surprise surround survive suspect suspend
swallow swear sweep swim swing tackle taste teach tear tease tempt tend thank threaten throw
tidy tie tip tolerate touch tour trade transfer transform translate transport trap travel
treat tremble trick trust twist type undergo undo unite unlock urge vanish vary visit vote
wake wander warm warn wash waste wave wear weigh welcome whisper widen wipe wish wonder
worry wrap yell yield ability absence academy accident accuracy achievement acid addition
adult advantage adventure advertising advice affair agency agenda agreement airline airport
alarm album alcohol alternative ambition amount analysis ancestor angle animal anniversary
annual anxiety apartment appeal appearance appetite application appointment argument arrival
aspect assembly assignment assistance association assumption atmosphere attack attention
attitude audience author authority average awareness background baggage bakery balcony ball
band bar base basis basket bath battery battle beach beauty bed beer beginning belief bell
belt bench bicycle bill birth birthday blanket blood board bonus border boss bottom brain
brand breakfast breath brick bulb bunch burden bus butter button cabinet cable cake campaign
cancer candidate capital career carpet category ceiling cell champion channel chapter
character charity cheek cheese chemical chest chief childhood chip chocolate church
cigarette cinema circle citizen climate clinic clothes club coast collection collar column
combination comfort commission committee communication comparison competition complaint
component concept conclusion condition conference confidence conflict confusion consequence
construction consumer context contract contribution conversation corporation county courage
cousin craft credit crew crime crisis criteria criticism crowd culture currency curve
cushion danger daughter dealer debt decade definition degree department departure deposit
depression depth description desert dessert destination device diamond diet dimension dinner
direction disaster discipline discount discussion disease dish distance distribution
district division doctor draft drama drawer driver economy edge editor efficiency election
element elevator emergency emotion emphasis employee employer energy engineering
entertainment enthusiasm entrance entry equipment estate examination exhibition existence
expansion expense expert explanation expression extent";

/// The vocabulary in rank order, without duplicates (about 2,000 words).
pub fn vocabulary() -> Vec<&'static str> {
    let mut seen = std::collections::HashSet::new();
    COMMON_WORDS
        .split_whitespace()
        .chain(FILLER_WORDS.split_whitespace())
        .filter(|w| seen.insert(*w))
        .collect()
}

const FIRST_NAMES: &[&str] = &[
    "Amelia", "Ben", "Carla", "Daniel", "Elena", "Felix", "Grace", "Hugo", "Ines", "Jonas", "Kira",
    "Liam", "Maya", "Nils", "Olivia", "Pablo", "Quinn", "Rosa", "Stefan", "Tara", "Umar", "Vera",
    "Wei", "Xenia", "Yusuf", "Zoe", "Aisha", "Bruno", "Chloe", "Diego", "Emma", "Farid", "Greta",
    "Hana", "Ivan", "Julia", "Kofi", "Lucia", "Mateo", "Nora",
];
const LAST_NAMES: &[&str] = &[
    "Adams",
    "Baker",
    "Costa",
    "Dubois",
    "Eriksen",
    "Fernandez",
    "Garcia",
    "Hoffmann",
    "Ito",
    "Jensen",
    "Kowalski",
    "Larsen",
    "Moreau",
    "Novak",
    "Oliveira",
    "Petrov",
    "Quint",
    "Ruiz",
    "Schmidt",
    "Takahashi",
    "Underwood",
    "Vargas",
    "Weber",
    "Xu",
    "Yilmaz",
    "Zimmermann",
    "Andersson",
    "Brown",
    "Chen",
    "Dimitrov",
    "Evans",
    "Fischer",
    "Gomez",
    "Horvat",
    "Iqbal",
    "Jansen",
    "Kim",
    "Lopez",
    "Mensah",
    "Nakamura",
];
const END_USER_DEPARTMENTS: &[&str] = &[
    "Finance",
    "Marketing",
    "Sales",
    "HR",
    "Legal",
    "Support",
    "Product",
    "Design",
    "Operations",
    "Research",
];
const STAFF_DEPARTMENTS: &[&str] = &["Platform", "Network", "Storage", "Security", "Data", "SRE"];

/// How a comment starts; the rest is vocabulary.
const COMMENT_OPENERS: &[&str] = &[
    "Looking into it now.",
    "Can you share the exact error message?",
    "Attached the relevant logs from the last hour.",
    "Rolled back the last change; monitoring.",
    "This looks related to the maintenance window.",
    "Confirmed fixed on my side, thanks!",
    "Still seeing this on our end.",
    "Escalating to the platform team.",
    "Restarted the service, watching the dashboards.",
    "Any update on this?",
    "Raised the limit as a stopgap.",
    "Root cause identified:",
    "Workaround applied:",
    "Could you try again now?",
    "Not reproducible on staging.",
    "Adding the on-call engineer.",
    "Waiting on the vendor.",
    "Change request filed.",
    "Patched and redeployed.",
    "Monitoring for another 24 hours.",
    "Same issue happened last week.",
    "Checked the logs:",
    "Grafana shows",
    "The alert fired again overnight.",
    "Users report",
    "Ran the runbook steps.",
    "Cleaned up old files.",
    "Need approval from the service owner.",
    "Thanks for the quick response.",
    "Closing the loop:",
];
const RESOLUTION_NOTES: &[&str] = &[
    "Root cause found and fixed; see the comments.",
    "Expanded the volume and cleaned up old logs.",
    "Rotated the certificate and reloaded the service.",
    "Rolled back the faulty deploy.",
    "Restarted the stuck pods and added an alert.",
    "Granted access per the approved request.",
    "Fixed the DNS record and flushed the caches.",
    "Tuned the query and added an index.",
    "Replaced the failed disk; the array rebuilt.",
    "Increased the connection pool size.",
    "Applied the vendor patch.",
    "Updated the firewall rule.",
    "Duplicate of an existing ticket.",
    "Could not reproduce; closed after the requestor confirmed.",
    "Corrected the configuration in the repository.",
    "Scaled the service out and enabled autoscaling.",
];
/// Topic phrases per category (eight each): titles and descriptions carry one.
const TOPICS: &[(&str, [&str; 8])] = &[
    (
        "VM_ISSUE",
        [
            "vm unresponsive",
            "vm stuck provisioning",
            "hypervisor",
            "kernel panic",
            "vm resize",
            "snapshot revert",
            "vm clock drift",
            "vm boot loop",
        ],
    ),
    (
        "NETWORK_ISSUE",
        [
            "packet loss",
            "dns timeout",
            "vpn drops",
            "latency spike",
            "firewall rule",
            "load balancer",
            "bgp flap",
            "mtu mismatch",
        ],
    ),
    (
        "STORAGE_ISSUE",
        [
            "disk full",
            "disk latency",
            "nfs mount",
            "volume full",
            "backup failed",
            "snapshot failed",
            "inode exhaustion",
            "disk failure",
        ],
    ),
    (
        "DATABASE_ISSUE",
        [
            "replication lag",
            "slow query",
            "connection pool",
            "deadlock",
            "database migration",
            "vacuum",
            "failover",
            "table bloat",
        ],
    ),
    (
        "SECURITY_ISSUE",
        [
            "certificate expired",
            "ssh login",
            "cve patch",
            "vulnerability scan",
            "suspicious traffic",
            "mfa reset",
            "secret rotation",
            "waf block",
        ],
    ),
    (
        "ACCESS_REQUEST",
        [
            "access request",
            "vpn access",
            "ssh access",
            "dashboard access",
            "group membership",
            "password reset",
            "repository access",
            "sso login",
        ],
    ),
    (
        "INFRASTRUCTURE",
        [
            "terraform drift",
            "provision",
            "decommission",
            "capacity planning",
            "dns record",
            "certificate renewal",
            "cluster upgrade",
            "new environment",
        ],
    ),
    (
        "MONITORING_ALERT",
        [
            "cpu alert",
            "disk usage alert",
            "memory alert",
            "alert flapping",
            "missing metrics",
            "healthcheck failing",
            "error rate alert",
            "latency alert",
        ],
    ),
    (
        "OTHER",
        [
            "question",
            "runbook update",
            "oncall rota",
            "documentation",
            "meeting",
            "feedback",
            "license renewal",
            "laptop setup",
        ],
    ),
];
const HOSTS: &[&str] = &[
    "db",
    "web",
    "api",
    "k8s-node",
    "kafka",
    "ci-runner",
    "vault",
    "grafana",
    "nfs",
    "redis",
    "es",
    "lb",
    "mq",
    "app",
];
const SERVICES: &[&str] = &[
    "checkout",
    "payments",
    "auth",
    "search",
    "api-gateway",
    "billing",
    "reporting",
    "email",
    "cdn",
    "ci",
    "monitoring",
    "data-warehouse",
];
const CATEGORIES: &[&str] = &[
    "VM_ISSUE",
    "NETWORK_ISSUE",
    "STORAGE_ISSUE",
    "DATABASE_ISSUE",
    "SECURITY_ISSUE",
    "ACCESS_REQUEST",
    "INFRASTRUCTURE",
    "MONITORING_ALERT",
    "OTHER",
];

/// `--scale` and how many tickets go into one statement.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub scale: u64,
    pub batch: u64,
}

impl Options {
    pub fn new(scale: u64) -> Self {
        Options {
            scale,
            batch: DEFAULT_BATCH,
        }
    }
}

/// What one run did.
#[derive(Debug, Default)]
pub struct Generated {
    pub demo: demo_data::Loaded,
    /// Synthetic tickets found before the run.
    pub existing: u64,
    pub users: u64,
    pub tickets: u64,
    pub comments: u64,
    pub history: u64,
    pub notifications: u64,
    pub attachments: u64,
    /// Indexes dropped before the load and re-created after it (0: kept, the load was small).
    pub indexes_rebuilt: usize,
    /// Wall time of each phase, in order.
    pub phases: Vec<(String, Duration)>,
}

/// The id of synthetic row `counter` in the range `prefix` (see the constants above).
fn synthetic_id(prefix: &str, counter: u64) -> Uuid {
    Uuid::parse_str(&format!("{prefix}{counter:012x}")).expect("a well-formed synthetic id")
}

/// The same in SQL, for a bigint expression.
fn sql_id(prefix: &str, counter: &str) -> String {
    format!("('{prefix}' || lpad(to_hex({counter}), 12, '0'))::uuid")
}

/// The id of synthetic user `i` (0-based).
pub fn user_id(i: usize) -> Uuid {
    synthetic_id(USER_PREFIX, i as u64)
}

/// The id of synthetic ticket `n` (1-based).
pub fn ticket_id(n: u64) -> Uuid {
    synthetic_id(TICKET_PREFIX, n)
}

/// The range of synthetic ticket ids (inclusive).
pub fn ticket_id_range() -> (Uuid, Uuid) {
    (ticket_id(0), ticket_id(COUNTER_MASK as u64))
}

fn user_role(i: usize) -> Role {
    match i {
        0..=3 => Role::Admin,
        4..=10 => Role::Manager,
        11..=22 => Role::TeamLead,
        23..=44 => Role::SeniorEngineer,
        45..=99 => Role::DevopsEngineer,
        _ => Role::EndUser,
    }
}

fn sql_text_array(items: &[&str]) -> String {
    let quoted: Vec<String> = items
        .iter()
        .map(|s| format!("'{}'", s.replace('\'', "''")))
        .collect();
    format!("ARRAY[{}]", quoted.join(", "))
}

/// Generates up to `options.scale` synthetic tickets (and what goes with them) on top of the
/// demo data, reporting progress lines through `progress`. Needs a superuser connection (the
/// solo cluster's, or the owner's in team mode): only a superuser may switch triggers off.
pub async fn generate(
    pool: &PgPool,
    options: Options,
    progress: &mut dyn FnMut(&str),
) -> anyhow::Result<Generated> {
    let started = Instant::now();
    let mut report = Generated::default();
    let superuser: bool =
        sqlx::query_scalar("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            .fetch_one(pool)
            .await?;
    if !superuser {
        bail!(
            "the synthetic data generator switches triggers off and needs a superuser \
             connection (solo mode, or a superuser TICKETDESK_DATABASE_URL)"
        );
    }

    let phase = Instant::now();
    report.demo = demo_data::load(pool)
        .await
        .context("loading the demo data")?;
    report.phases.push(("demo data".into(), phase.elapsed()));
    progress(&format!(
        "demo data: {} user(s) and {} ticket(s) added",
        report.demo.users, report.demo.tickets
    ));
    check_triggers(pool).await?;

    // Two connections of their own (session settings, temporary tables), so that both cores
    // work. Their statements run for seconds by design: no slow-statement warnings.
    let connect_options = (*pool.connect_options())
        .clone()
        .disable_statement_logging();
    let mut a = connect(&connect_options).await?;
    let mut b = connect(&connect_options).await?;
    let result = run(&mut a, &mut b, options, &mut report, progress).await;
    let closed = (a.close().await, b.close().await);
    result?;
    closed.0?;
    closed.1?;
    report.phases.push(("total".into(), started.elapsed()));
    Ok(report)
}

async fn connect(options: &sqlx::postgres::PgConnectOptions) -> anyhow::Result<PgConnection> {
    let mut conn = PgConnection::connect_with(options)
        .await
        .context("connecting for the load")?;
    // JIT compiling these large expressions costs far more than it saves.
    sqlx::raw_sql(
        "SET temp_buffers = '256MB'; SET jit = off; SET synchronous_commit = off; \
         SET work_mem = '256MB'; SET maintenance_work_mem = '1GB';",
    )
    .execute(&mut conn)
    .await?;
    Ok(conn)
}

async fn run(
    a: &mut PgConnection,
    b: &mut PgConnection,
    options: Options,
    report: &mut Generated,
    progress: &mut dyn FnMut(&str),
) -> anyhow::Result<()> {
    let mut jobs = missing_indexes(a).await?;
    if !jobs.is_empty() {
        progress(&format!(
            "{} index(es) the migrations define are missing (an interrupted run?): they are \
             re-created after the load",
            jobs.len()
        ));
    }
    prepare_session(a).await?;
    let plan = setup(a, options, report, progress).await?;
    if let Some(plan) = &plan {
        prepare_session(b).await?;
        let phase = Instant::now();
        load_batches(a, b, plan, options.batch.max(1), report, progress).await?;
        report.phases.push(("load".into(), phase.elapsed()));
        let parallel = plan.to_add > options.batch.max(1);
        if !plan.dropped.is_empty() && parallel {
            // Two connections appended to each primary key at two places: the lower one's
            // pages were split half-full. Rebuilt compact, from the catalog (unchanged).
            jobs.extend(constraint_indexes(a).await?);
        }
        jobs.extend(plan.dropped.iter().cloned().map(IndexJob::Create));
    }
    if !jobs.is_empty() {
        let phase = Instant::now();
        report.indexes_rebuilt = jobs.len();
        build_indexes(a, b, jobs, progress).await?;
        report
            .phases
            .push(("create indexes".into(), phase.elapsed()));
    }
    if plan.is_some() {
        // Hint bits, the visibility map (index-only scans) and statistics now, not during
        // the first benchmark (autovacuum would come for these inserts anyway).
        let phase = Instant::now();
        vacuum(a, b, progress).await?;
        report
            .phases
            .push(("vacuum analyze".into(), phase.elapsed()));
    }
    Ok(())
}

/// Refuses to run when an insert trigger on a loaded table is one this module does not know:
/// with triggers off, its work would silently be missing.
async fn check_triggers(pool: &PgPool) -> anyhow::Result<()> {
    let triggers: Vec<(String, String)> = sqlx::query_as(
        "SELECT c.relname::text, t.tgname::text FROM pg_trigger t \
         JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace ns ON ns.oid = c.relnamespace \
         WHERE NOT t.tgisinternal AND ns.nspname = 'public' AND c.relname = ANY($1) \
           AND (t.tgtype & 4) <> 0 \
         ORDER BY 1, 2",
    )
    .bind(LOADED_TABLES)
    .fetch_all(pool)
    .await?;
    let unknown: Vec<String> = triggers
        .into_iter()
        .filter(|(_, name)| !KNOWN_INSERT_TRIGGERS.contains(&name.as_str()))
        .map(|(table, name)| format!("{name} on {table}"))
        .collect();
    if !unknown.is_empty() {
        bail!(
            "the synthetic data generator loads with triggers off and does not know what these \
             insert triggers do: {}. Teach src-tauri/generate/synthetic.rs to write what they would, \
             then add them to KNOWN_INSERT_TRIGGERS",
            unknown.join(", ")
        );
    }
    Ok(())
}

struct Pools {
    end_users: Vec<Uuid>,
    /// Engineers who work tickets, weighted by role (repeated entries), with display names.
    assignable: Vec<Uuid>,
    assignable_names: Vec<String>,
    /// Team leads and managers: triage, reassignment, priority, closing.
    leads: Vec<Uuid>,
    lead_names: Vec<String>,
}

/// What the batches share: the range of this run and who takes part.
struct Plan {
    first_n: u64,
    to_add: u64,
    first_number: i64,
    now: DateTime<Utc>,
    pools: Pools,
    dropped: Vec<DroppedIndex>,
}

/// One transaction: counts what is there, adds the users, reserves the ticket numbers and
/// drops the indexes (when the load is large). None when there is nothing to add.
async fn setup(
    conn: &mut PgConnection,
    options: Options,
    report: &mut Generated,
    progress: &mut dyn FnMut(&str),
) -> anyhow::Result<Option<Plan>> {
    let phase = Instant::now();
    let mut tx = conn.begin().await?;
    sqlx::raw_sql(
        "SET LOCAL session_replication_role = replica; \
         SELECT set_config('ticketdesk.bulk_load', 'on', true);",
    )
    .execute(&mut *tx)
    .await?;
    // No ticket may take a number between our reservation and its end (readers go on).
    sqlx::raw_sql(
        "LOCK TABLE users, tickets, comments, ticket_history, notifications, attachments \
         IN SHARE ROW EXCLUSIVE MODE",
    )
    .execute(&mut *tx)
    .await?;

    let (low, high) = ticket_id_range();
    let (existing, last): (i64, Option<Uuid>) = sqlx::query_as(
        "SELECT count(*), (SELECT id FROM tickets WHERE id BETWEEN $1 AND $2 \
                           ORDER BY id DESC LIMIT 1) \
         FROM tickets WHERE id BETWEEN $1 AND $2",
    )
    .bind(low)
    .bind(high)
    .fetch_one(&mut *tx)
    .await?;
    report.existing = existing as u64;
    if report.existing >= options.scale {
        progress(&format!(
            "the database already has {existing} synthetic ticket(s) (--scale {}): nothing \
             to add",
            options.scale
        ));
        tx.rollback().await?;
        return Ok(None);
    }
    let to_add = options.scale - report.existing;
    // Ids continue after the highest (an interrupted run may have left gaps).
    let first_n = last.map_or(0, |id| (id.as_u128() & COUNTER_MASK) as u64) + 1;
    if existing > 0 {
        progress(&format!(
            "the database has {existing} synthetic ticket(s): adding the {to_add} missing to \
             reach {}",
            options.scale
        ));
    }
    let now: DateTime<Utc> = sqlx::query_scalar("SELECT now()")
        .fetch_one(&mut *tx)
        .await?;

    report.users = insert_users(&mut tx, now).await?;
    let pools = load_pools(&mut tx).await?;
    progress(&format!(
        "users: {} added ({} requestors, {} engineer slots, {} leads)",
        report.users,
        pools.end_users.len(),
        pools.assignable.len(),
        pools.leads.len()
    ));

    // Ticket numbers: reserve a block of the sequence, so next_ticket_number() continues after.
    let first_number: i64 = sqlx::query_scalar("SELECT nextval('ticket_number_seq')")
        .fetch_one(&mut *tx)
        .await?;
    sqlx::query("SELECT setval('ticket_number_seq', $1, true)")
        .bind(first_number + to_add as i64 - 1)
        .execute(&mut *tx)
        .await?;

    // The attachment files, stored once each as the server stores sealed uploads.
    sqlx::query(
        "INSERT INTO attachment_blobs (file_hash, file_size, chunk_count, created_at) \
         SELECT file_hash, file_size, 1, $1::timestamptz - interval '1100 days' FROM syn_blob \
         ON CONFLICT DO NOTHING",
    )
    .bind(now)
    .execute(&mut *tx)
    .await?;
    sqlx::raw_sql(
        "INSERT INTO attachment_blob_chunks (file_hash, seq, data) \
         SELECT file_hash, 0, data FROM syn_blob ON CONFLICT DO NOTHING",
    )
    .execute(&mut *tx)
    .await?;

    // A load that at least doubles the tickets is faster with the indexes built afterwards.
    let tickets_before: i64 = sqlx::query_scalar("SELECT count(*) FROM tickets")
        .fetch_one(&mut *tx)
        .await?;
    let dropped = if to_add as i64 >= tickets_before {
        let (dropped, kept) = drop_indexes(&mut tx).await?;
        progress(&format!(
            "dropped {} index(es) of {}; they are re-created after the load from their \
             migrations{}",
            dropped.len(),
            REINDEXED_TABLES.join(", "),
            if kept > 0 {
                format!(" ({kept} not made by a migration stay)")
            } else {
                String::new()
            }
        ));
        dropped
    } else {
        progress(&format!(
            "adding {to_add} to {tickets_before} tickets: indexes kept"
        ));
        Vec::new()
    };
    tx.commit().await?;
    report.phases.push(("setup".into(), phase.elapsed()));
    Ok(Some(Plan {
        first_n,
        to_add,
        first_number,
        now,
        pools,
        dropped,
    }))
}

/// The statements of a batch, their shared inputs, and the running totals.
struct Load<'p> {
    plan: &'p Plan,
    batch: u64,
    vocabulary: Vec<String>,
    phrases: Vec<String>,
    plan_sql: String,
    comment_plan_sql: String,
    comments_sql: String,
    attachment_plan_sql: String,
    history_sql: String,
    notifications_sql: String,
    next: Cell<u64>,
    done: Cell<u64>,
    totals: RefCell<[u64; 5]>,
    started: Instant,
}

/// Batches of `batch` tickets, each in a transaction of its own, shared out between the two
/// connections (a batch that committed stays: a rerun adds what is missing).
async fn load_batches(
    a: &mut PgConnection,
    b: &mut PgConnection,
    plan: &Plan,
    batch: u64,
    report: &mut Generated,
    progress: &mut dyn FnMut(&str),
) -> anyhow::Result<()> {
    let words = vocabulary();
    let phrases = phrases(&words);
    let load = Load {
        plan,
        batch,
        vocabulary: words.into_iter().map(String::from).collect(),
        phrases,
        plan_sql: plan_sql(),
        comment_plan_sql: comment_plan_sql(),
        comments_sql: comments_sql(),
        attachment_plan_sql: attachment_plan_sql(),
        history_sql: history_sql(),
        notifications_sql: notifications_sql(),
        next: Cell::new(0),
        done: Cell::new(0),
        totals: RefCell::new([0; 5]),
        started: Instant::now(),
    };
    let progress = RefCell::new(progress);
    let outcome = tokio::try_join!(
        batch_worker(a, &load, &progress),
        batch_worker(b, &load, &progress)
    );
    let [tickets, comments, history, notifications, attachments] = *load.totals.borrow();
    report.tickets += tickets;
    report.comments += comments;
    report.history += history;
    report.notifications += notifications;
    report.attachments += attachments;
    outcome?;
    Ok(())
}

async fn batch_worker(
    conn: &mut PgConnection,
    load: &Load<'_>,
    progress: &RefCell<&mut dyn FnMut(&str)>,
) -> anyhow::Result<()> {
    let plan = load.plan;
    let end = plan.first_n + plan.to_add;
    loop {
        let k = load.next.get();
        let lo = plan.first_n + k * load.batch;
        if lo >= end {
            return Ok(());
        }
        load.next.set(k + 1);
        let hi = (lo + load.batch).min(end) - 1;
        let counts = load_batch(conn, load, lo, hi).await?;
        let line = {
            let mut totals = load.totals.borrow_mut();
            for (total, count) in totals.iter_mut().zip(counts) {
                *total += count;
            }
            load.done.set(load.done.get() + counts[0]);
            format!(
                "tickets {}/{}, comments {}, history {}, notifications {} ({:.1} s)",
                load.done.get(),
                plan.to_add,
                totals[1],
                totals[2],
                totals[3],
                load.started.elapsed().as_secs_f64()
            )
        };
        (progress.borrow_mut())(&line);
    }
}

/// Tickets `lo..=hi` and everything that goes with them, in one transaction; returns the
/// rows added: tickets, comments, history, notifications, attachments.
async fn load_batch(
    conn: &mut PgConnection,
    load: &Load<'_>,
    lo: u64,
    hi: u64,
) -> anyhow::Result<[u64; 5]> {
    let plan = load.plan;
    let mut tx = conn.begin().await?;
    // Triggers (and with them foreign-key checks and pg_notify) off for this transaction:
    // what they would have written is written here.
    sqlx::raw_sql(
        "SET LOCAL session_replication_role = replica; \
         SELECT set_config('ticketdesk.bulk_load', 'on', true);",
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query(&load.plan_sql)
        .bind(&load.vocabulary)
        .bind(lo as i64)
        .bind(hi as i64)
        .bind(plan.first_n as i64)
        .bind(plan.to_add as i64)
        .bind(plan.first_number)
        .bind(plan.now)
        .bind(&plan.pools.end_users)
        .bind(&plan.pools.assignable)
        .bind(&plan.pools.assignable_names)
        .bind(&plan.pools.leads)
        .bind(&plan.pools.lead_names)
        .bind(&load.phrases)
        .execute(&mut *tx)
        .await
        .context("planning tickets")?;
    let tickets = sqlx::query(TICKETS_SQL)
        .execute(&mut *tx)
        .await
        .context("inserting tickets")?
        .rows_affected();
    sqlx::query(&load.comment_plan_sql)
        .bind(&plan.pools.assignable)
        .execute(&mut *tx)
        .await
        .context("planning comments")?;
    let comments = sqlx::query(&load.comments_sql)
        .bind(&load.vocabulary)
        .bind(plan.now)
        .bind(&load.phrases)
        .execute(&mut *tx)
        .await
        .context("inserting comments")?
        .rows_affected();
    sqlx::query(&load.attachment_plan_sql)
        .execute(&mut *tx)
        .await
        .context("planning attachments")?;
    let attachments = sqlx::query(ATTACHMENTS_SQL)
        .execute(&mut *tx)
        .await
        .context("inserting attachments")?
        .rows_affected();
    let history = sqlx::query(&load.history_sql)
        .execute(&mut *tx)
        .await
        .context("inserting history")?
        .rows_affected();
    let notifications = sqlx::query(&load.notifications_sql)
        .bind(plan.now)
        .execute(&mut *tx)
        .await
        .context("inserting notifications")?
        .rows_affected();
    tx.commit().await.context("committing a batch")?;
    Ok([tickets, comments, history, notifications, attachments])
}

async fn insert_users(conn: &mut PgConnection, now: DateTime<Utc>) -> anyhow::Result<u64> {
    let verifier = crate::domain::password::new_verifier(demo_data::DEMO_PASSWORD)
        .map_err(|e| anyhow::anyhow!(e))?;
    let mut ids = Vec::with_capacity(USER_COUNT);
    let mut usernames = Vec::with_capacity(USER_COUNT);
    let mut firsts = Vec::with_capacity(USER_COUNT);
    let mut lasts = Vec::with_capacity(USER_COUNT);
    let mut roles = Vec::with_capacity(USER_COUNT);
    let mut departments = Vec::with_capacity(USER_COUNT);
    let mut phones: Vec<Option<String>> = Vec::with_capacity(USER_COUNT);
    let mut created = Vec::with_capacity(USER_COUNT);
    let mut last_login: Vec<Option<DateTime<Utc>>> = Vec::with_capacity(USER_COUNT);
    for i in 0..USER_COUNT {
        // Distinct (first, last) pairs for i < 1,600.
        let first = FIRST_NAMES[i % FIRST_NAMES.len()];
        let last = LAST_NAMES[(i / FIRST_NAMES.len() + i) % LAST_NAMES.len()];
        let role = user_role(i);
        ids.push(user_id(i));
        usernames.push(format!("{}.{}", first.to_lowercase(), last.to_lowercase()));
        firsts.push(first.to_string());
        lasts.push(last.to_string());
        roles.push(role.as_str().to_string());
        departments.push(if role == Role::EndUser {
            END_USER_DEPARTMENTS[(i * 7) % END_USER_DEPARTMENTS.len()]
        } else {
            STAFF_DEPARTMENTS[(i * 5) % STAFF_DEPARTMENTS.len()]
        });
        phones.push((i % 3 == 0).then(|| format!("+1555{:07}", 1_000_000 + i * 7919 % 8_999_999)));
        created.push(now - chrono::Duration::days(1_100 + (i as i64 * 37) % 300));
        last_login.push((i % 5 != 4).then(|| now - chrono::Duration::hours((i as i64 * 13) % 400)));
    }
    let added = sqlx::query(
        "INSERT INTO users (id, username, email, password_hash, first_name, last_name, \
                            phone_number, department, role, is_email_verified, created_at, \
                            updated_at, last_login, last_password_change) \
         SELECT u.id, u.username, u.username || '@example.com', $9, u.first, u.last, u.phone, \
                u.department, u.role, TRUE, u.created, u.created, u.last_login, u.created \
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], \
                     $7::text[], $8::timestamptz[], $10::timestamptz[]) \
              AS u(id, username, first, last, phone, department, role, created, last_login) \
         ON CONFLICT DO NOTHING",
    )
    .bind(&ids)
    .bind(&usernames)
    .bind(&firsts)
    .bind(&lasts)
    .bind(&phones)
    .bind(&departments)
    .bind(&roles)
    .bind(&created)
    .bind(&verifier)
    .bind(&last_login)
    .execute(&mut *conn)
    .await
    .context("inserting synthetic users")?
    .rows_affected();
    Ok(added)
}

/// Who files, works and triages the synthetic tickets: the demo users and the synthetic users
/// that exist (a name taken by a real user skips that synthetic user).
async fn load_pools(conn: &mut PgConnection) -> anyhow::Result<Pools> {
    let mut ids: Vec<Uuid> = demo_data::USERS
        .iter()
        .map(|u| demo_data::user_id(u.0))
        .collect();
    ids.extend((0..USER_COUNT).map(user_id));
    let rows: Vec<(Uuid, String, String)> = sqlx::query_as(
        "SELECT id, role::text, first_name || ' ' || last_name FROM users \
         WHERE id = ANY($1) AND is_active ORDER BY username",
    )
    .bind(&ids)
    .fetch_all(&mut *conn)
    .await?;
    let mut pools = Pools {
        end_users: Vec::new(),
        assignable: Vec::new(),
        assignable_names: Vec::new(),
        leads: Vec::new(),
        lead_names: Vec::new(),
    };
    for (id, role, name) in rows {
        let role: Role = role.parse().map_err(|e: String| anyhow::anyhow!(e))?;
        let weight = match role {
            Role::DevopsEngineer => 3,
            Role::SeniorEngineer => 2,
            Role::TeamLead => 1,
            _ => 0,
        };
        for _ in 0..weight {
            pools.assignable.push(id);
            pools.assignable_names.push(name.clone());
        }
        match role {
            Role::EndUser => pools.end_users.push(id),
            Role::TeamLead | Role::Manager => {
                pools.leads.push(id);
                pools.lead_names.push(name);
            }
            _ => {}
        }
    }
    if pools.end_users.is_empty() || pools.assignable.is_empty() || pools.leads.is_empty() {
        bail!("no requestors, engineers or leads to give synthetic tickets to");
    }
    Ok(pools)
}

/// An index re-created after the load: where, its name, the migration statement that made it
/// (re-run as is: `pg_get_indexdef` output re-parses into a different expression tree for
/// `IN (…)` predicates), and `pg_get_indexdef` before it was dropped, to check the new one
/// against (None: it was already missing).
#[derive(Clone)]
struct DroppedIndex {
    table: String,
    name: String,
    statement: String,
    definition: Option<String>,
}

enum IndexJob {
    Create(DroppedIndex),
    /// A constraint's index, rebuilt from the catalog.
    Reindex {
        table: String,
        name: String,
    },
}

impl IndexJob {
    fn names(&self) -> (&str, &str) {
        match self {
            IndexJob::Create(index) => (&index.table, &index.name),
            IndexJob::Reindex { table, name } => (table, name),
        }
    }

    /// Longest first, so that two connections finish together: the full-text GIN index
    /// (not built in parallel by PostgreSQL 15), then by table size.
    fn weight(&self) -> u32 {
        let (table, _) = self.names();
        let gin =
            matches!(self, IndexJob::Create(i) if i.statement.to_ascii_uppercase().contains("GIN"));
        let table = match table {
            "ticket_history" => 4,
            "comments" => 3,
            "tickets" => 2,
            _ => 1,
        };
        if gin {
            100
        } else {
            table
        }
    }
}

/// `CREATE INDEX` statements of the embedded migrations by index name (the last one wins;
/// `DROP INDEX` and `ALTER INDEX … RENAME TO` are followed).
pub fn migration_index_statements() -> std::collections::HashMap<String, String> {
    let mut statements = std::collections::HashMap::new();
    let unquote = |name: &str| {
        let name = name.rsplit('.').next().unwrap_or(name);
        name.trim_matches('"').to_string()
    };
    for migration in crate::db::MIGRATOR.iter() {
        if migration.migration_type.is_down_migration() {
            continue;
        }
        let code: String = migration
            .sql
            .lines()
            .map(|line| line.split("--").next().unwrap_or(""))
            .collect::<Vec<_>>()
            .join("\n");
        for statement in code.split(';') {
            let statement = statement.trim();
            let words: Vec<String> = statement
                .split_whitespace()
                .take(8)
                .map(|w| w.to_ascii_uppercase())
                .collect();
            let word = |i: usize| words.get(i).map(String::as_str).unwrap_or("");
            let raw: Vec<&str> = statement.split_whitespace().collect();
            if word(0) == "CREATE"
                && (word(1) == "INDEX" || (word(1) == "UNIQUE" && word(2) == "INDEX"))
            {
                let mut at = if word(1) == "INDEX" { 2 } else { 3 };
                if word(at) == "CONCURRENTLY" {
                    at += 1;
                }
                if word(at) == "IF" && word(at + 1) == "NOT" && word(at + 2) == "EXISTS" {
                    at += 3;
                }
                if let Some(name) = raw.get(at).filter(|n| !n.eq_ignore_ascii_case("ON")) {
                    let name = unquote(name.split('(').next().unwrap_or(name));
                    statements.insert(name, statement.to_string());
                }
            } else if word(0) == "DROP" && word(1) == "INDEX" {
                let names = statement
                    .splitn(3, char::is_whitespace)
                    .nth(2)
                    .unwrap_or("");
                for name in names.split(',') {
                    let name = name
                        .split_whitespace()
                        .rfind(|w| {
                            !["IF", "EXISTS", "CONCURRENTLY", "CASCADE", "RESTRICT"]
                                .contains(&w.to_ascii_uppercase().as_str())
                        })
                        .unwrap_or("");
                    statements.remove(&unquote(name));
                }
            } else if word(0) == "ALTER" && word(1) == "INDEX" {
                let (from, to) = if word(2) == "IF" { (5, 8) } else { (2, 5) };
                if word(from + 1) == "RENAME" && word(from + 2) == "TO" {
                    if let (Some(old), Some(new)) = (raw.get(from), raw.get(to)) {
                        if let Some(text) = statements.remove(&unquote(old)) {
                            statements.insert(unquote(new), text);
                        }
                    }
                }
            }
        }
    }
    statements
}

/// Drops the non-constraint indexes of the bulk tables that a migration made (others stay).
async fn drop_indexes(conn: &mut PgConnection) -> anyhow::Result<(Vec<DroppedIndex>, usize)> {
    let found: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT c.relname::text, i.relname::text, pg_get_indexdef(x.indexrelid) \
         FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid \
         JOIN pg_class c ON c.oid = x.indrelid JOIN pg_namespace ns ON ns.oid = c.relnamespace \
         WHERE ns.nspname = 'public' AND c.relname = ANY($1) AND x.indisvalid \
           AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid) \
         ORDER BY c.relname, i.relname",
    )
    .bind(REINDEXED_TABLES)
    .fetch_all(&mut *conn)
    .await?;
    let statements = migration_index_statements();
    let mut kept = 0;
    let mut dropped = Vec::new();
    for (table, name, definition) in found {
        let Some(statement) = statements.get(&name) else {
            kept += 1;
            continue;
        };
        sqlx::raw_sql(&format!(
            "DROP INDEX public.\"{}\"",
            name.replace('"', "\"\"")
        ))
        .execute(&mut *conn)
        .await
        .with_context(|| format!("dropping index {name}"))?;
        dropped.push(DroppedIndex {
            table,
            name,
            statement: statement.clone(),
            definition: Some(definition),
        });
    }
    Ok((dropped, kept))
}

/// Migration-made indexes of the bulk tables that are missing (a run interrupted after it
/// dropped them): re-created with the others.
async fn missing_indexes(conn: &mut PgConnection) -> anyhow::Result<Vec<IndexJob>> {
    let present: Vec<String> =
        sqlx::query_scalar("SELECT indexname::text FROM pg_indexes WHERE schemaname = 'public'")
            .fetch_all(&mut *conn)
            .await?;
    let mut missing: Vec<IndexJob> = migration_index_statements()
        .into_iter()
        .filter(|(name, _)| !present.contains(name))
        .filter_map(|(name, statement)| {
            let table = index_table(&statement)?;
            if !REINDEXED_TABLES.contains(&table.as_str()) {
                return None;
            }
            Some(IndexJob::Create(DroppedIndex {
                table,
                name,
                statement,
                definition: None,
            }))
        })
        .collect();
    missing.sort_by(|x, y| x.names().1.cmp(y.names().1));
    Ok(missing)
}

/// The table a `CREATE INDEX … ON [ONLY] table …` statement names.
fn index_table(statement: &str) -> Option<String> {
    let mut words = statement.split_whitespace();
    words.find(|w| w.eq_ignore_ascii_case("ON"))?;
    let mut table = words.next()?;
    if table.eq_ignore_ascii_case("ONLY") {
        table = words.next()?;
    }
    let table = table.split('(').next()?;
    Some(table.rsplit('.').next()?.trim_matches('"').to_string())
}

/// The primary-key and unique indexes of the bulk tables.
async fn constraint_indexes(conn: &mut PgConnection) -> anyhow::Result<Vec<IndexJob>> {
    let found: Vec<(String, String)> = sqlx::query_as(
        "SELECT c.relname::text, i.relname::text \
         FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid \
         JOIN pg_class c ON c.oid = x.indrelid JOIN pg_namespace ns ON ns.oid = c.relnamespace \
         WHERE ns.nspname = 'public' AND c.relname = ANY($1) \
           AND EXISTS (SELECT 1 FROM pg_constraint k \
                       WHERE k.conindid = x.indexrelid AND k.conrelid = x.indrelid) \
         ORDER BY c.relname, i.relname",
    )
    .bind(REINDEXED_TABLES)
    .fetch_all(&mut *conn)
    .await?;
    Ok(found
        .into_iter()
        .map(|(table, name)| IndexJob::Reindex { table, name })
        .collect())
}

/// Builds the indexes on both connections, longest first.
async fn build_indexes(
    a: &mut PgConnection,
    b: &mut PgConnection,
    mut jobs: Vec<IndexJob>,
    progress: &mut dyn FnMut(&str),
) -> anyhow::Result<()> {
    jobs.sort_by_key(|job| std::cmp::Reverse(job.weight()));
    let total = jobs.len();
    let queue = RefCell::new(VecDeque::from(jobs));
    let done = Cell::new(0);
    let progress = RefCell::new(progress);
    tokio::try_join!(
        index_worker(a, &queue, &done, total, &progress),
        index_worker(b, &queue, &done, total, &progress)
    )?;
    Ok(())
}

async fn index_worker(
    conn: &mut PgConnection,
    queue: &RefCell<VecDeque<IndexJob>>,
    done: &Cell<usize>,
    total: usize,
    progress: &RefCell<&mut dyn FnMut(&str)>,
) -> anyhow::Result<()> {
    loop {
        let Some(job) = queue.borrow_mut().pop_front() else {
            return Ok(());
        };
        let one = Instant::now();
        match &job {
            IndexJob::Create(index) => {
                sqlx::raw_sql(&index.statement)
                    .execute(&mut *conn)
                    .await
                    .with_context(|| format!("re-creating index {}", index.name))?;
                let definition: Option<String> = sqlx::query_scalar(
                    "SELECT pg_get_indexdef(i.oid) FROM pg_class i \
                     WHERE i.relname = $1 AND i.relnamespace = 'public'::regnamespace",
                )
                .bind(&index.name)
                .fetch_optional(&mut *conn)
                .await?;
                if let Some(before) = &index.definition {
                    if definition.as_ref() != Some(before) {
                        bail!(
                            "index {} came back as {:?}, not {:?}",
                            index.name,
                            definition,
                            before
                        );
                    }
                }
            }
            IndexJob::Reindex { name, .. } => {
                sqlx::raw_sql(&format!(
                    "REINDEX INDEX public.\"{}\"",
                    name.replace('"', "\"\"")
                ))
                .execute(&mut *conn)
                .await
                .with_context(|| format!("rebuilding index {name}"))?;
            }
        }
        done.set(done.get() + 1);
        let (table, name) = job.names();
        let verb = match job {
            IndexJob::Create(_) => "index",
            IndexJob::Reindex { .. } => "reindex",
        };
        (progress.borrow_mut())(&format!(
            "{verb} {}/{total} {name} on {table} ({:.1} s)",
            done.get(),
            one.elapsed().as_secs_f64()
        ));
    }
}

/// `VACUUM (ANALYZE)` of the loaded tables, on both connections, largest first.
async fn vacuum(
    a: &mut PgConnection,
    b: &mut PgConnection,
    progress: &mut dyn FnMut(&str),
) -> anyhow::Result<()> {
    let queue = RefCell::new(VecDeque::from(vec![
        "ticket_history",
        "tickets",
        "comments",
        "notifications",
        "attachments",
        "users",
    ]));
    let progress = RefCell::new(progress);
    tokio::try_join!(
        vacuum_worker(a, &queue, &progress),
        vacuum_worker(b, &queue, &progress)
    )?;
    Ok(())
}

async fn vacuum_worker(
    conn: &mut PgConnection,
    queue: &RefCell<VecDeque<&str>>,
    progress: &RefCell<&mut dyn FnMut(&str)>,
) -> anyhow::Result<()> {
    loop {
        let Some(table) = queue.borrow_mut().pop_front() else {
            return Ok(());
        };
        let one = Instant::now();
        sqlx::raw_sql(&format!("VACUUM (ANALYZE) public.{table}"))
            .execute(&mut *conn)
            .await
            .with_context(|| format!("vacuuming {table}"))?;
        (progress.borrow_mut())(&format!(
            "vacuum analyze {table} ({:.1} s)",
            one.elapsed().as_secs_f64()
        ));
    }
}

/// The session's temporary tables: the SLA to apply per (priority, category), the attachment
/// files, and the per-batch plans (emptied at each commit).
async fn prepare_session(conn: &mut PgConnection) -> anyhow::Result<()> {
    // The policy ticket creation picks (category-specific first), and its resolution time in
    // wall-clock minutes: business-hours policies count (end - start) hours on 5 or 7 days a
    // week, so 1,440 business minutes at 9–17 on weekdays are 4.2 days.
    sqlx::raw_sql(&format!(
        "CREATE TEMP TABLE syn_sla AS \
         SELECT p.priority::varchar AS priority, c.category::varchar AS category, \
                pol.id AS policy_id, \
                (CASE WHEN pol.business_hours_only \
                      THEN pol.resolution_time_minutes * 10080.0 \
                           / (greatest(1, coalesce(pol.business_end_hour, 17) \
                                          - coalesce(pol.business_start_hour, 9)) * 60 \
                              * CASE WHEN pol.include_weekends THEN 7 ELSE 5 END) \
                      ELSE pol.resolution_time_minutes END)::float8 AS wall_minutes \
         FROM unnest(ARRAY['P1_CRITICAL', 'P2_HIGH', 'P3_MEDIUM', 'P4_LOW']) AS p(priority) \
         CROSS JOIN unnest({categories}) AS c(category) \
         LEFT JOIN LATERAL (SELECT * FROM sla_policies sp \
                            WHERE sp.is_active AND sp.priority = p.priority \
                              AND (sp.category = c.category OR sp.category IS NULL) \
                            ORDER BY sp.category NULLS LAST, sp.effective_from DESC LIMIT 1) pol \
                ON TRUE",
        categories = sql_text_array(CATEGORIES)
    ))
    .execute(&mut *conn)
    .await
    .context("choosing SLA policies")?;

    // Attachment files: deterministic log excerpts (the same files on every run), stored
    // once each as the server stores sealed uploads (one chunk: all are under 1 MiB).
    sqlx::raw_sql(&format!(
        "CREATE TEMP TABLE syn_blob AS \
         SELECT d.i, encode(sha256(d.data), 'hex')::varchar(64) AS file_hash, \
                length(d.data)::bigint AS file_size, d.data, \
                (ARRAY['app.log', 'error.log', 'trace.txt', 'config.yaml', 'dump.json', \
                       'output.txt', 'journal.log', 'nginx-access.log'])[1 + d.i % 8] AS file_name, \
                (ARRAY['text/plain', 'text/plain', 'text/plain', 'application/yaml', \
                       'application/json', 'text/plain', 'text/plain', 'text/plain'])[1 + d.i % 8] \
                    AS file_type \
         FROM (SELECT i, convert_to(string_agg(format('%s host-%s %s pid=%s %s', \
                          to_char(timestamp '2026-01-01' + (i * 1000 + l) * interval '1 second', \
                                  'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), \
                          i % 40, (ARRAY['INFO', 'WARN', 'ERROR', 'DEBUG'])[1 + (i + l) % 4], \
                          1000 + (i * 7 + l) % 30000, md5(i || ':' || l)), E'\\n' ORDER BY l), \
                          'UTF8') AS data \
               FROM generate_series(1, {BLOB_COUNT}) AS i \
               CROSS JOIN LATERAL generate_series(1, 5 + (i * 37) % 200) AS l \
               GROUP BY i) d"
    ))
    .execute(&mut *conn)
    .await
    .context("making attachment files")?;
    sqlx::raw_sql(
        "CREATE TEMP TABLE syn_plan (
            n bigint NOT NULL,
            id uuid NOT NULL,
            ticket_number varchar(20) NOT NULL,
            created_at timestamptz NOT NULL,
            status varchar(30) NOT NULL,
            priority0 varchar(20) NOT NULL,
            priority varchar(20) NOT NULL,
            category varchar(50) NOT NULL,
            requestor uuid NOT NULL,
            requestor_staff boolean NOT NULL,
            assignee uuid,
            assignee_name text,
            first_assignee uuid,
            first_assignee_name text,
            lead uuid NOT NULL,
            triager uuid,
            triager_name text,
            closer uuid,
            pre_assigned boolean NOT NULL,
            resolve_from varchar(30),
            status_before_escalation varchar(30),
            t_assign timestamptz,
            t_prio timestamptz,
            t_reassign timestamptz,
            t_progress timestamptz,
            t_pending timestamptz,
            t_pending_back timestamptz,
            t_escalate timestamptz,
            t_resolve1 timestamptz,
            t_reopen timestamptz,
            t_reprogress timestamptz,
            t_resolve2 timestamptz,
            resolved_at timestamptz,
            closed_at timestamptz,
            updated_at timestamptz NOT NULL,
            comments_until timestamptz NOT NULL,
            title text NOT NULL,
            description text NOT NULL,
            environment varchar(50),
            tags text[],
            affected_services text[],
            impact_level varchar(20),
            estimated_hours numeric(5,2),
            resolution_notes text,
            sla_policy_id uuid,
            due_date timestamptz,
            sla_breach boolean NOT NULL,
            sla_breach_time timestamptz,
            version integer NOT NULL,
            reopen_count integer NOT NULL,
            ncomments integer NOT NULL,
            nattach integer NOT NULL,
            r_notify float8 NOT NULL,
            r_read float8 NOT NULL
         ) ON COMMIT DELETE ROWS;
         CREATE TEMP TABLE syn_comments (
            n bigint NOT NULL,
            j integer NOT NULL,
            id uuid NOT NULL,
            ticket_id uuid NOT NULL,
            user_id uuid NOT NULL,
            is_internal boolean NOT NULL,
            created_at timestamptz NOT NULL,
            nphrases integer NOT NULL,
            opener integer NOT NULL,
            edited boolean NOT NULL
         ) ON COMMIT DELETE ROWS;
         CREATE TEMP TABLE syn_attach (
            n bigint NOT NULL,
            a integer NOT NULL,
            id uuid NOT NULL,
            ticket_id uuid NOT NULL,
            uploaded_by uuid NOT NULL,
            uploaded_at timestamptz NOT NULL,
            blob integer NOT NULL,
            file_name varchar(255) NOT NULL,
            file_size bigint NOT NULL
         ) ON COMMIT DELETE ROWS;
         CREATE INDEX ON syn_comments (n, j);
         CREATE INDEX ON syn_attach (n);",
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// `count` Zipf-distributed words (`count` must name a column of the current row, so that
/// PostgreSQL draws them per row). `v.w` is the vocabulary as `name[]`: fixed-width elements,
/// so a subscript is O(1) (on `text[]` it walks the array).
fn zipf_words(count: &str) -> String {
    format!(
        "array_to_string(ARRAY(SELECT (v.w[floor(exp(random() * v.lnw))::int])::text \
                               FROM generate_series(1, {count})), ' ')"
    )
}

/// `count` phrases drawn uniformly from `v.p` (see `phrases`), some ending a sentence: text
/// with the vocabulary's Zipf frequencies at a third of the draws.
fn zipf_phrases(count: &str) -> String {
    format!(
        "array_to_string(ARRAY(SELECT (v.p[1 + floor(random() * v.np)::int])::text \
                                      || CASE WHEN random() < 0.2 THEN '.' ELSE '' END \
                               FROM generate_series(1, {count})), ' ')"
    )
}

/// The vocabulary ($1) and the phrase pool (`$phrases`) as `name[]`, once per statement.
fn vocabulary_cte(phrases: usize) -> String {
    format!(
        "WITH v AS MATERIALIZED (SELECT $1::text[]::name[] AS w, \
                                        ln(cardinality($1::text[]) + 1) AS lnw, \
                                        ${phrases}::text[]::name[] AS p, \
                                        cardinality(${phrases}::text[]) AS np) "
    )
}

/// Phrases in the pool descriptions and comments are made of.
const PHRASE_COUNT: usize = 65_536;

/// A pool of 2–4-word phrases, each word drawn with the Zipf-like rank distribution
/// (rank = ⌊e^(u·ln(V+1))⌋), each at most 63 bytes (a `name`). Deterministic.
pub fn phrases(vocabulary: &[&str]) -> Vec<String> {
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let ln = ((vocabulary.len() + 1) as f64).ln();
    let mut pool = Vec::with_capacity(PHRASE_COUNT);
    while pool.len() < PHRASE_COUNT {
        let words = 2 + (next() * 3.0) as usize;
        let phrase: Vec<&str> = (0..words)
            .map(|_| {
                let rank = (next() * ln).exp() as usize;
                vocabulary[rank.clamp(1, vocabulary.len()) - 1]
            })
            .collect();
        let phrase = phrase.join(" ");
        if phrase.len() <= 63 {
            pool.push(phrase);
        }
    }
    pool
}

/// Plans one batch of tickets ($2..=$3) into `syn_plan`: who, what, when, and the lifecycle
/// each went through. Parameters: $1 vocabulary, $4 the run's first n, $5 the run's size,
/// $6 the ticket number of the run's first ticket, $7 now, $8 requestors (end users),
/// $9/$10 engineers and names (weighted), $11/$12 leads and names, $13 phrases.
///
/// Each stage is a subquery fenced with `OFFSET 0`: flattened, PostgreSQL would recompute a
/// stage's expressions at every reference (the status alone is referenced dozens of times).
///
/// Shapes: created_at over three years with density growing 3× towards now; the chance of
/// still being open falls from ~75 % for new tickets to 13.5 % for old ones (~85 % closed
/// overall); resolution times log-normal around a median per priority; comments per ticket
/// exponential × uniform (mean ~4.7, up to 150).
fn plan_sql() -> String {
    let ticket_id = sql_id(TICKET_PREFIX, "f.n");
    let at = |fraction: &str| format!("d.created_at + ({fraction} * d.life) * interval '1 second'");
    let pre = "(c.status <> 'NEW' AND c.staff AND c.r_pre < 0.5)";
    let assignee_k =
        format!("CASE WHEN c.status = 'NEW' THEN NULL WHEN {pre} THEN c.st_k ELSE c.as_k END");
    let reassigned = format!(
        "(c.status <> 'NEW' AND NOT {pre} AND c.r_reassign < 0.08 \
          AND ($9::uuid[])[c.first_k] <> ($9::uuid[])[c.as_k])"
    );
    let first_k = format!("CASE WHEN {reassigned} THEN c.first_k ELSE {assignee_k} END");
    let via_progress = "CASE c.status WHEN 'IN_PROGRESS' THEN TRUE WHEN 'PENDING_INFO' THEN TRUE \
        WHEN 'ESCALATED' THEN c.esc_pick <> 'OPEN' WHEN 'OPEN' THEN FALSE WHEN 'NEW' THEN FALSE \
        ELSE c.r_prog < 0.65 END";
    let prio_changed = format!("(c.status <> 'NEW' AND NOT {pre} AND c.r_pc < 0.03)");
    let topics: Vec<String> = TOPICS
        .iter()
        .map(|(category, phrases)| {
            format!(
                "WHEN '{category}' THEN ({})[1 + floor(f.r_topic * 8)::int]",
                sql_text_array(phrases)
            )
        })
        .collect();
    let topics = topics.join(" ");
    let title_words = zipf_words("f.title_words");
    let description_words = zipf_phrases("f.desc_phrases");
    let vocabulary = vocabulary_cte(13);
    let hosts = sql_text_array(HOSTS);
    let services = sql_text_array(SERVICES);
    let notes = sql_text_array(RESOLUTION_NOTES);
    let due = "f.created_at + s.wall_minutes * interval '1 minute'";
    let breached = format!("coalesce(coalesce(f.resolved_at, $7::timestamptz) > {due}, FALSE)");
    format!(
        "{vocabulary}
INSERT INTO syn_plan (n, id, ticket_number, created_at, status, priority0, priority, category,
    requestor, requestor_staff, assignee, assignee_name, first_assignee, first_assignee_name,
    lead, triager, triager_name, closer, pre_assigned, resolve_from, status_before_escalation,
    t_assign, t_prio, t_reassign, t_progress, t_pending, t_pending_back, t_escalate, t_resolve1,
    t_reopen, t_reprogress, t_resolve2, resolved_at, closed_at, updated_at, comments_until,
    title, description, environment, tags, affected_services, impact_level, estimated_hours,
    resolution_notes, sla_policy_id, due_date, sla_breach, sla_breach_time, version,
    reopen_count, ncomments, nattach, r_notify, r_read)
SELECT f.n, {ticket_id},
    'TKT-' || to_char(f.created_at AT TIME ZONE 'UTC', 'YYYY') || '-'
        || lpad(f.num::text, greatest(5, length(f.num::text)), '0'),
    f.created_at, f.status, f.priority0, f.priority, f.category,
    f.requestor, f.staff, f.assignee, f.assignee_name, f.first_assignee, f.first_assignee_name,
    f.lead,
    CASE WHEN f.t_assign IS NULL THEN NULL WHEN f.pre THEN f.requestor
         WHEN f.self_take THEN f.first_assignee ELSE f.lead END,
    CASE WHEN f.t_assign IS NULL OR f.pre THEN NULL
         WHEN f.self_take THEN f.first_assignee_name ELSE f.lead_name END,
    CASE WHEN f.status = 'CLOSED' THEN
         CASE WHEN f.r_closer < 0.65 THEN f.requestor ELSE f.lead END END,
    f.pre,
    CASE WHEN f.t_resolve1 IS NOT NULL THEN
         CASE WHEN f.via_progress THEN 'IN_PROGRESS' ELSE 'OPEN' END END,
    f.esc_from,
    f.t_assign, f.t_prio, f.t_reassign, f.t_progress, f.t_pending, f.t_pending_back,
    f.t_escalate, f.t_resolve1, f.t_reopen, f.t_reprogress, f.t_resolve2, f.resolved_at,
    f.closed_at,
    greatest(f.created_at, f.t_assign, f.t_prio, f.t_reassign, f.t_progress, f.t_pending,
             f.t_pending_back, f.t_escalate, f.t_resolve1, f.t_reopen, f.t_reprogress,
             f.t_resolve2, f.closed_at),
    coalesce(f.closed_at, f.resolved_at, $7::timestamptz),
    upper(left(x.title, 1)) || substr(x.title, 2),
    'Seen on ' || f.host || coalesce(' (' || f.environment || ')', '') || '. '
        || upper(left(x.topic, 1)) || substr(x.topic, 2) || ': ' || rtrim(x.words, '.') || '.',
    f.environment,
    CASE WHEN f.r_tag < 0.5 THEN ARRAY[lower(split_part(f.category, '_', 1)), f.host]
         WHEN f.r_tag < 0.85 THEN ARRAY[lower(split_part(f.category, '_', 1))]
         ELSE ARRAY[lower(split_part(f.category, '_', 1)), f.host,
                    (ARRAY['customer-impact', 'recurring', 'follow-up', 'automation',
                           'quick-win'])[1 + floor(f.r_tag2 * 5)::int]] END,
    CASE WHEN f.r_svc < 0.6 THEN NULL
         WHEN f.r_svc < 0.9 THEN ARRAY[({services})[1 + floor(f.r_svc2 * 12)::int]]
         ELSE ARRAY[({services})[1 + floor(f.r_svc2 * 12)::int],
                    ({services})[1 + (1 + floor(f.r_svc2 * 12)::int) % 12]] END,
    CASE WHEN f.r_imp >= 0.5 THEN
         CASE f.priority0 WHEN 'P1_CRITICAL' THEN 'CRITICAL' WHEN 'P2_HIGH' THEN 'HIGH'
                          WHEN 'P3_MEDIUM' THEN 'MEDIUM' ELSE 'LOW' END END,
    CASE WHEN f.r_est < 0.3 THEN round((0.5 + f.r_est * 100)::numeric, 2) END,
    CASE WHEN f.t_resolve1 IS NOT NULL THEN ({notes})[1 + floor(f.r_notes * 16)::int] END,
    s.policy_id,
    {due},
    {breached},
    CASE WHEN {breached} THEN {due} END,
    1 + (f.t_assign IS NOT NULL AND NOT f.pre)::int + (f.t_prio IS NOT NULL)::int
      + (f.t_reassign IS NOT NULL)::int + (f.t_progress IS NOT NULL)::int
      + (f.t_pending IS NOT NULL)::int + (f.t_pending_back IS NOT NULL)::int
      + (f.t_escalate IS NOT NULL)::int + (f.t_resolve1 IS NOT NULL)::int
      + (f.t_reopen IS NOT NULL)::int + (f.t_reprogress IS NOT NULL)::int
      + (f.t_resolve2 IS NOT NULL)::int + (f.closed_at IS NOT NULL)::int,
    (f.t_reopen IS NOT NULL)::int,
    f.ncomments, f.nattach, f.r_notify, f.r_read
FROM (
    -- times of each step of the lifecycle (NULL: the ticket did not go through it)
    SELECT d.*,
        CASE WHEN d.status = 'NEW' THEN NULL WHEN d.pre THEN d.created_at
             ELSE {t_assign} END AS t_assign,
        CASE WHEN d.prio_changed THEN {t_prio} END AS t_prio,
        CASE WHEN d.reassigned THEN {t_reassign} END AS t_reassign,
        CASE WHEN d.via_progress THEN {t_progress} END AS t_progress,
        CASE WHEN d.status = 'PENDING_INFO' THEN {t_end} WHEN d.pending_final THEN {t_06}
             WHEN d.pending_cycle THEN {t_045} END AS t_pending,
        CASE WHEN d.pending_cycle THEN {t_06} END AS t_pending_back,
        CASE WHEN d.status = 'ESCALATED' THEN {t_end} END AS t_escalate,
        CASE WHEN d.reopen_cycle THEN {t_07} WHEN d.status = 'REOPENED' THEN {t_075}
             WHEN d.status IN ('RESOLVED', 'CLOSED') THEN {t_end} END AS t_resolve1,
        CASE WHEN d.reopen_cycle THEN {t_08} WHEN d.status = 'REOPENED' THEN {t_end} END AS t_reopen,
        CASE WHEN d.reopen_cycle THEN {t_085} END AS t_reprogress,
        CASE WHEN d.reopen_cycle THEN {t_end} END AS t_resolve2,
        CASE WHEN d.status IN ('RESOLVED', 'CLOSED') THEN {t_end} END AS resolved_at,
        CASE WHEN d.status = 'CLOSED' THEN {t_end}
             + least((3600 - ln(1 - d.r_close) * 172800) * interval '1 second',
                     ($7::timestamptz - ({t_end})) * 0.9) END AS closed_at
    FROM (
        -- people and the path through the workflow
        SELECT c.*,
            CASE WHEN c.staff THEN ($9::uuid[])[c.st_k] ELSE ($8::uuid[])[c.eu_k] END AS requestor,
            {pre} AS pre,
            {reassigned} AS reassigned,
            ($9::uuid[])[{assignee_k}] AS assignee,
            ($10::text[])[{assignee_k}] AS assignee_name,
            ($9::uuid[])[{first_k}] AS first_assignee,
            ($10::text[])[{first_k}] AS first_assignee_name,
            ($11::uuid[])[c.lead_k] AS lead,
            ($12::text[])[c.lead_k] AS lead_name,
            c.r_self < 0.4 AS self_take,
            CASE WHEN c.status = 'ESCALATED' THEN c.esc_pick END AS esc_from,
            {via_progress} AS via_progress,
            ({via_progress}) AND c.status IN ('IN_PROGRESS', 'RESOLVED', 'CLOSED', 'REOPENED')
                AND c.r_pend < 0.15 AS pending_cycle,
            (c.status = 'PENDING_INFO' OR (c.status = 'ESCALATED' AND c.esc_pick = 'PENDING_INFO'))
                AS pending_final,
            (c.status = 'CLOSED' AND c.r_reopen < 0.04) AS reopen_cycle,
            {prio_changed} AS prio_changed,
            CASE WHEN {prio_changed} THEN
                 CASE c.priority0 WHEN 'P4_LOW' THEN 'P3_MEDIUM' WHEN 'P3_MEDIUM' THEN 'P2_HIGH'
                                  WHEN 'P2_HIGH' THEN 'P1_CRITICAL' ELSE 'P2_HIGH' END
                 ELSE c.priority0 END AS priority,
            CASE WHEN c.status IN ('RESOLVED', 'CLOSED', 'REOPENED')
                 THEN least(CASE c.priority0 WHEN 'P1_CRITICAL' THEN 7200::float8
                                 WHEN 'P2_HIGH' THEN 28800::float8 WHEN 'P3_MEDIUM' THEN 108000::float8
                                 ELSE 360000::float8 END
                            * exp(0.9 * sqrt(-2 * ln(1 - c.r_ln1)) * cos(2 * pi() * c.r_ln2)),
                            10368000::float8, 0.85 * c.age)
                 ELSE c.age * (0.1 + 0.8 * c.r_life) END AS life,
            (CASE WHEN c.status = 'NEW' THEN floor(-ln(1 - c.r_nc1))
                  ELSE least({MAX_COMMENTS}, floor(-ln(1 - c.r_nc1) * 5.2 * (0.4 + 1.2 * c.r_nc2)))
                  END)::int AS ncomments,
            (c.r_att < 0.03)::int AS nattach
        FROM (
            -- status, priority, category
            SELECT b.*,
                date_part('epoch', $7::timestamptz - b.created_at) AS age,
                CASE WHEN b.r_status >= least(0.9, 0.135 + 0.6 * exp(
                              -date_part('epoch', $7::timestamptz - b.created_at) / 1728000))
                     THEN 'CLOSED'
                     WHEN b.r_kind < 0.12 THEN 'NEW' WHEN b.r_kind < 0.30 THEN 'OPEN'
                     WHEN b.r_kind < 0.60 THEN 'IN_PROGRESS' WHEN b.r_kind < 0.74 THEN 'PENDING_INFO'
                     WHEN b.r_kind < 0.89 THEN 'RESOLVED' WHEN b.r_kind < 0.93 THEN 'REOPENED'
                     ELSE 'ESCALATED' END AS status,
                CASE WHEN b.r_prio < 0.03 THEN 'P1_CRITICAL' WHEN b.r_prio < 0.18 THEN 'P2_HIGH'
                     WHEN b.r_prio < 0.68 THEN 'P3_MEDIUM' ELSE 'P4_LOW' END AS priority0,
                CASE WHEN b.r_cat < 0.12 THEN 'VM_ISSUE' WHEN b.r_cat < 0.27 THEN 'NETWORK_ISSUE'
                     WHEN b.r_cat < 0.37 THEN 'STORAGE_ISSUE' WHEN b.r_cat < 0.49 THEN 'DATABASE_ISSUE'
                     WHEN b.r_cat < 0.57 THEN 'SECURITY_ISSUE' WHEN b.r_cat < 0.71 THEN 'ACCESS_REQUEST'
                     WHEN b.r_cat < 0.83 THEN 'INFRASTRUCTURE' WHEN b.r_cat < 0.95 THEN 'MONITORING_ALERT'
                     ELSE 'OTHER' END AS category,
                b.r_staff >= 0.78 AS staff,
                CASE WHEN b.r_esc < 0.3 THEN 'OPEN' WHEN b.r_esc < 0.85 THEN 'IN_PROGRESS'
                     ELSE 'PENDING_INFO' END AS esc_pick,
                CASE WHEN b.r_env < 0.55 THEN 'Production' WHEN b.r_env < 0.75 THEN 'Staging'
                     WHEN b.r_env < 0.9 THEN 'Development' END AS environment
            FROM (
                -- the draws, once per ticket
                SELECT g.n,
                    $6::int8 + (g.n - $4::int8) AS num,
                    $7::timestamptz
                        - (1 - (sqrt(1 + 8 * (((g.n - $4::int8)::float8 + 0.5) / $5::float8)) - 1) / 2)
                          * interval '1095 days'
                        - interval '5 minutes' - random() * interval '1 minute' AS created_at,
                    random() AS r_status, random() AS r_kind, random() AS r_prio, random() AS r_cat,
                    random() AS r_staff, random() AS r_pre, random() AS r_prog, random() AS r_pend,
                    random() AS r_reopen, random() AS r_reassign, random() AS r_pc, random() AS r_self,
                    random() AS r_esc, random() AS r_life, random() AS r_ln1, random() AS r_ln2,
                    random() AS r_close, random() AS r_closer, random() AS r_env, random() AS r_topic,
                    random() AS r_tpos, random() AS r_on, random() AS r_notes, random() AS r_tag,
                    random() AS r_tag2, random() AS r_svc, random() AS r_svc2, random() AS r_imp,
                    random() AS r_est, random() AS r_nc1, random() AS r_nc2, random() AS r_att,
                    random() AS r_notify, random() AS r_read,
                    3 + floor(random() * 5)::int AS title_words,
                    7 + floor(random() * 21)::int AS desc_phrases,
                    ({hosts})[1 + floor(random() * {host_count})::int] || '-'
                        || lpad((1 + floor(random() * 40))::int::text, 2, '0') AS host,
                    1 + floor(random() ^ 2 * cardinality($8::uuid[]))::int AS eu_k,
                    1 + floor(random() ^ 2 * cardinality($9::uuid[]))::int AS st_k,
                    1 + floor(random() * cardinality($9::uuid[]))::int AS as_k,
                    1 + floor(random() * cardinality($9::uuid[]))::int AS first_k,
                    1 + floor(random() * cardinality($11::uuid[]))::int AS lead_k
                FROM generate_series($2::int8, $3::int8) AS g(n)
            ) b
            OFFSET 0
        ) c
        OFFSET 0
    ) d
    OFFSET 0
) f
CROSS JOIN v
-- the words, drawn once per ticket (a subquery with volatile output is not flattened)
CROSS JOIN LATERAL (
    SELECT t.topic,
           CASE WHEN f.r_tpos < 0.6 THEN t.topic || ' ' || {title_words}
                ELSE {title_words} || ' ' || t.topic END
             || CASE WHEN f.r_on < 0.4 THEN ' on ' || f.host ELSE '' END AS title,
           {description_words} AS words
    FROM (SELECT CASE f.category {topics} END AS topic) t
) x
LEFT JOIN syn_sla s ON s.priority = f.priority0 AND s.category = f.category",
        t_assign = at("0.08"),
        t_prio = at("0.1"),
        t_reassign = at("0.2"),
        t_progress = at("0.3"),
        t_045 = at("0.45"),
        t_06 = at("0.6"),
        t_07 = at("0.7"),
        t_075 = at("0.75"),
        t_08 = at("0.8"),
        t_085 = at("0.85"),
        t_end = at("1.0"),
        host_count = HOSTS.len(),
    )
}

const TICKETS_SQL: &str = "\
INSERT INTO tickets (id, ticket_number, title, description, category, priority, status,
    requestor_id, assignee_id, created_at, updated_at, resolved_at, closed_at, due_date, tags,
    estimated_hours, resolution_notes, sla_policy_id, sla_breach, sla_breach_time, environment,
    affected_services, impact_level, version, reopen_count, status_before_escalation)
SELECT id, ticket_number, title, description, category, priority, status, requestor, assignee,
    created_at, updated_at, resolved_at, closed_at, due_date, tags, estimated_hours,
    resolution_notes, sla_policy_id, sla_breach, sla_breach_time, environment, affected_services,
    impact_level, version, reopen_count, status_before_escalation
FROM syn_plan";

/// Who wrote each comment and when. $1: engineers (any of them chimes in now and then).
fn comment_plan_sql() -> String {
    let id = sql_id(COMMENT_PREFIX, &format!("x.n * {HISTORY_SLOTS} + x.j"));
    let by_requestor = "(x.r_author < 0.4 OR (x.assignee IS NULL AND x.r_author < 0.7))";
    format!(
        "INSERT INTO syn_comments (n, j, id, ticket_id, user_id, is_internal, created_at, nphrases,
                                   opener, edited)
SELECT x.n, x.j, {id}, x.ticket_id,
    CASE WHEN {by_requestor} THEN x.requestor
         WHEN x.assignee IS NOT NULL AND x.r_author < 0.85 THEN x.assignee ELSE x.other END,
    (NOT {by_requestor} OR x.requestor_staff) AND x.r_int < 0.2,
    x.created_at + ((x.j - 1 + x.r_t) / x.ncomments) * (x.comments_until - x.created_at),
    1 + floor(x.r_w * x.r_w * 12)::int,
    1 + floor(x.r_op * {openers})::int,
    x.r_ed < 0.03
FROM (
    SELECT p.n, p.id AS ticket_id, p.requestor, p.requestor_staff, p.assignee, p.created_at,
        p.comments_until, p.ncomments, j.j,
        random() AS r_author, random() AS r_int, random() AS r_t, random() AS r_w,
        random() AS r_op, random() AS r_ed,
        ($1::uuid[])[1 + floor(random() * cardinality($1::uuid[]))::int] AS other
    FROM syn_plan p CROSS JOIN LATERAL generate_series(1, p.ncomments) AS j(j)
    ORDER BY p.n, j.j
) x",
        openers = COMMENT_OPENERS.len()
    )
}

/// $1 vocabulary, $2 now, $3 phrases.
fn comments_sql() -> String {
    let words = zipf_phrases("c.nphrases");
    let vocabulary = vocabulary_cte(3);
    let openers = sql_text_array(COMMENT_OPENERS);
    format!(
        "{vocabulary}
INSERT INTO comments (id, ticket_id, user_id, content, is_internal, created_at, updated_at,
                      edited, edit_count)
SELECT c.id, c.ticket_id, c.user_id, ({openers})[c.opener] || ' ' || rtrim({words}, '.') || '.',
    c.is_internal, c.created_at,
    CASE WHEN c.edited THEN least($2::timestamptz, c.created_at + random() * interval '2 hours')
         ELSE c.created_at END,
    c.edited, c.edited::int
FROM (SELECT * FROM syn_comments ORDER BY n, j) c CROSS JOIN v"
    )
}

fn attachment_plan_sql() -> String {
    let id = sql_id(ATTACHMENT_PREFIX, "x.n * 16 + 1");
    format!(
        "INSERT INTO syn_attach (n, a, id, ticket_id, uploaded_by, uploaded_at, blob, file_name,
                        file_size)
SELECT x.n, 1, {id}, x.id, x.uploaded_by, x.uploaded_at, b.i, b.file_name, b.file_size
FROM (SELECT p.n, p.id,
             CASE WHEN random() < 0.7 OR p.assignee IS NULL THEN p.requestor
                  ELSE p.assignee END AS uploaded_by,
             p.created_at + random() * (p.comments_until - p.created_at) AS uploaded_at,
             1 + floor(random() * {BLOB_COUNT})::int AS blob
      FROM syn_plan p WHERE p.nattach > 0
      OFFSET 0) x
JOIN syn_blob b ON b.i = x.blob
ORDER BY x.n"
    )
}

const ATTACHMENTS_SQL: &str = "\
INSERT INTO attachments (id, file_name, file_type, file_size, file_path, file_hash, ticket_id,
    comment_id, uploaded_by, uploaded_at, storage_provider, is_deleted)
SELECT a.id, b.file_name, b.file_type, b.file_size, 'postgres:attachment_blobs/' || b.file_hash,
    b.file_hash, a.ticket_id, NULL, a.uploaded_by, a.uploaded_at, 'postgres', FALSE
FROM syn_attach a JOIN syn_blob b ON b.i = a.blob
ORDER BY a.n, a.a";

/// The history the triggers would have written, in their formats (see the workflow
/// migration: tickets_history_insert/update, comments_after_insert, attachments_history).
/// Rows of one update are a millisecond apart, in the order the trigger writes them. Built per
/// ticket (a lateral union in slot order), so rows come out in id order without a sort.
fn history_sql() -> String {
    let id = sql_id(HISTORY_PREFIX, "e.k");
    let user_ref = |id: &str, name: &str| {
        format!("jsonb_build_object('id', {id}, 'displayName', {name})::text")
    };
    let assignee = user_ref("p.assignee", "p.assignee_name");
    let first = user_ref("p.first_assignee", "p.first_assignee_name");
    let slot = |k: u32| format!("p.n * {HISTORY_SLOTS} + {k}");
    format!(
        "INSERT INTO ticket_history (id, ticket_id, user_id, action, field_changed, old_value,
                            new_value, is_internal, timestamp)
SELECT {id}, p.id, e.user_id, e.action, e.field, e.old_value, e.new_value, e.internal, e.at
FROM syn_plan p
CROSS JOIN LATERAL (
    SELECT {s0} AS k, p.requestor AS user_id, 'CREATED'::varchar AS action,
        NULL::varchar AS field, NULL::text AS old_value,
        jsonb_build_object('ticketNumber', p.ticket_number, 'title', p.title,
            'status', CASE WHEN p.pre_assigned THEN 'OPEN' ELSE 'NEW' END,
            'priority', p.priority0, 'category', p.category,
            'environment', p.environment)::text AS new_value,
        FALSE AS internal, p.created_at AS at
    UNION ALL
    SELECT {s1}, p.requestor, 'ASSIGNED', 'assignee_id', NULL, {assignee}, FALSE,
        p.created_at + interval '1 millisecond'
    WHERE p.pre_assigned
    UNION ALL
    SELECT {s2}, p.triager, 'STATUS_CHANGED', 'status', '\"NEW\"', '\"OPEN\"', FALSE, p.t_assign
    WHERE p.t_assign IS NOT NULL AND NOT p.pre_assigned
    UNION ALL
    SELECT {s3}, p.triager, 'ASSIGNED', 'assignee_id', NULL, {first}, FALSE,
        p.t_assign + interval '1 millisecond'
    WHERE p.t_assign IS NOT NULL AND NOT p.pre_assigned
    UNION ALL
    SELECT {s4}, p.lead, 'PRIORITY_CHANGED', 'priority', to_jsonb(p.priority0)::text,
        to_jsonb(p.priority)::text, FALSE, p.t_prio
    WHERE p.t_prio IS NOT NULL
    UNION ALL
    SELECT {s5}, p.lead, 'REASSIGNED', 'assignee_id', {first}, {assignee}, FALSE, p.t_reassign
    WHERE p.t_reassign IS NOT NULL
    UNION ALL
    SELECT {s6}, p.assignee, 'STATUS_CHANGED', 'status', '\"OPEN\"', '\"IN_PROGRESS\"', FALSE,
        p.t_progress
    WHERE p.t_progress IS NOT NULL
    UNION ALL
    SELECT {s7}, p.assignee, 'STATUS_CHANGED', 'status', '\"IN_PROGRESS\"', '\"PENDING_INFO\"',
        FALSE, p.t_pending
    WHERE p.t_pending IS NOT NULL
    UNION ALL
    SELECT {s8}, p.assignee, 'STATUS_CHANGED', 'status', '\"PENDING_INFO\"', '\"IN_PROGRESS\"',
        FALSE, p.t_pending_back
    WHERE p.t_pending_back IS NOT NULL
    UNION ALL
    SELECT {s9}, p.assignee, 'STATUS_CHANGED', 'status', to_jsonb(p.resolve_from)::text,
        '\"RESOLVED\"', FALSE, p.t_resolve1
    WHERE p.t_resolve1 IS NOT NULL
    UNION ALL
    SELECT {s10}, p.assignee, 'FIELD_UPDATED', 'resolution_notes', 'null',
        to_jsonb(p.resolution_notes)::text, FALSE, p.t_resolve1 + interval '1 millisecond'
    WHERE p.t_resolve1 IS NOT NULL
    UNION ALL
    SELECT {s11}, p.requestor, 'REOPENED', 'status', '\"RESOLVED\"', '\"REOPENED\"', FALSE,
        p.t_reopen
    WHERE p.t_reopen IS NOT NULL
    UNION ALL
    SELECT {s12}, p.assignee, 'STATUS_CHANGED', 'status', '\"REOPENED\"', '\"IN_PROGRESS\"', FALSE,
        p.t_reprogress
    WHERE p.t_reprogress IS NOT NULL
    UNION ALL
    SELECT {s13}, p.assignee, 'STATUS_CHANGED', 'status', '\"IN_PROGRESS\"', '\"RESOLVED\"', FALSE,
        p.t_resolve2
    WHERE p.t_resolve2 IS NOT NULL
    UNION ALL
    SELECT {s14}, p.closer, 'CLOSED', 'status', '\"RESOLVED\"', '\"CLOSED\"', FALSE, p.closed_at
    WHERE p.closed_at IS NOT NULL
    UNION ALL
    SELECT {s15}, p.assignee, 'ESCALATED', 'status', to_jsonb(p.status_before_escalation)::text,
        '\"ESCALATED\"', FALSE, p.t_escalate
    WHERE p.t_escalate IS NOT NULL
    UNION ALL
    (SELECT c.n * {HISTORY_SLOTS} + 16 + c.j, c.user_id, 'COMMENT_ADDED', NULL, NULL,
         jsonb_build_object('commentId', c.id, 'internal', c.is_internal)::text, c.is_internal,
         c.created_at
     FROM syn_comments c WHERE c.n = p.n AND p.ncomments > 0)
    UNION ALL
    SELECT a.n * {HISTORY_SLOTS} + 240 + a.a, a.uploaded_by, 'ATTACHMENT_ADDED', NULL, NULL,
        jsonb_build_object('attachmentId', a.id, 'fileName', a.file_name,
                           'fileSize', a.file_size, 'commentId', NULL::uuid)::text,
        FALSE, a.uploaded_at
    FROM syn_attach a
    WHERE a.n = p.n AND p.nattach > 0
) e",
        s0 = slot(0),
        s1 = slot(1),
        s2 = slot(2),
        s3 = slot(3),
        s4 = slot(4),
        s5 = slot(5),
        s6 = slot(6),
        s7 = slot(7),
        s8 = slot(8),
        s9 = slot(9),
        s10 = slot(10),
        s11 = slot(11),
        s12 = slot(12),
        s13 = slot(13),
        s14 = slot(14),
        s15 = slot(15),
    )
}

/// About one in-app notification per ticket, as the delivery triggers would have written
/// it: the requestor hears their ticket was resolved, or else the engineer hears it was
/// assigned to them (nobody hears of their own action). Old ones are read. $1: now.
fn notifications_sql() -> String {
    let id = sql_id(NOTIFICATION_PREFIX, "x.n");
    format!(
        "INSERT INTO notifications (id, user_id, ticket_id, type, channel, subject, message,
                           status, delivered_at, read_at, created_at, priority)
SELECT {id}, x.user_id, x.ticket_id, x.type, 'IN_APP', x.subject, x.message,
    CASE WHEN x.read THEN 'READ' ELSE 'DELIVERED' END,
    x.delivered_at,
    CASE WHEN x.read THEN least($1::timestamptz, x.delivered_at + x.r_read * interval '2 days') END,
    x.at,
    CASE x.priority WHEN 'P1_CRITICAL' THEN 'URGENT' WHEN 'P2_HIGH' THEN 'HIGH'
                    WHEN 'P3_MEDIUM' THEN 'NORMAL' ELSE 'LOW' END
FROM (
    SELECT y.*,
        least($1::timestamptz, y.at + (1 + y.r_notify * 59) * interval '1 second') AS delivered_at,
        CASE WHEN y.at < $1::timestamptz - interval '14 days' THEN y.r_read < 0.97
             ELSE y.r_read < 0.5 END AS read
    FROM (
        SELECT p.n, p.id AS ticket_id, p.r_notify, p.r_read,
            CASE WHEN p.t_resolve1 IS NOT NULL AND p.requestor <> p.assignee THEN 'STATUS_CHANGED'
                 WHEN p.t_assign IS NOT NULL AND NOT p.pre_assigned
                      AND p.triager <> p.first_assignee THEN 'TICKET_ASSIGNED' END AS type,
            CASE WHEN p.t_resolve1 IS NOT NULL AND p.requestor <> p.assignee THEN p.requestor
                 ELSE p.first_assignee END AS user_id,
            CASE WHEN p.t_resolve1 IS NOT NULL AND p.requestor <> p.assignee
                 THEN p.ticket_number || ' is now RESOLVED'
                 ELSE p.ticket_number || ' assigned to you' END AS subject,
            CASE WHEN p.t_resolve1 IS NOT NULL AND p.requestor <> p.assignee
                 THEN p.assignee_name || ' moved it from ' || p.resolve_from || ' to RESOLVED: '
                      || p.title
                 ELSE p.triager_name || ' assigned you: ' || p.title END AS message,
            CASE WHEN p.t_resolve1 IS NOT NULL AND p.requestor <> p.assignee THEN p.t_resolve1
                 ELSE p.t_assign END AS at,
            CASE WHEN p.t_resolve1 IS NOT NULL AND p.requestor <> p.assignee THEN p.priority
                 ELSE p.priority0 END AS priority
        FROM syn_plan p
        OFFSET 0
    ) y
    WHERE y.type IS NOT NULL
) x
ORDER BY x.n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vocabulary_is_zipf_ranked_with_the_search_words_common() {
        let words = vocabulary();
        assert!((1_900..=2_200).contains(&words.len()), "{}", words.len());
        let rank = |w: &str| words.iter().position(|x| *x == w).unwrap() + 1;
        // P(rank r) ≈ 1/(r·ln V): "disk" and "full" are frequent but far from the top.
        assert!((40..=120).contains(&rank("disk")), "{}", rank("disk"));
        assert!((40..=120).contains(&rank("full")), "{}", rank("full"));
        assert!(rank("kubernetes") < 200 && rank("certificate") < 200);
    }

    #[test]
    fn phrases_fit_a_name_and_are_deterministic() {
        let words = vocabulary();
        let pool = phrases(&words);
        assert_eq!(pool.len(), PHRASE_COUNT);
        assert!(pool.iter().all(|p| p.len() <= 63 && !p.is_empty()));
        assert_eq!(pool, phrases(&words));
    }

    #[test]
    fn index_statements_come_from_the_migrations_verbatim() {
        let statements = migration_index_statements();
        let overdue = &statements["idx_tickets_overdue"];
        assert!(
            overdue.contains("WHERE status NOT IN ('CLOSED', 'RESOLVED')"),
            "{overdue}"
        );
        assert_eq!(index_table(overdue).as_deref(), Some("tickets"));
        assert!(statements["idx_tickets_fulltext"].contains("USING GIN"));
        assert_eq!(
            index_table(&statements["idx_notifications_outbox"]).as_deref(),
            Some("notifications")
        );
        let on_bulk_tables = statements
            .values()
            .filter(|s| index_table(s).is_some_and(|t| REINDEXED_TABLES.contains(&t.as_str())))
            .count();
        assert!(on_bulk_tables >= 35, "{on_bulk_tables}");
    }

    #[test]
    fn synthetic_ids_count_in_their_range() {
        let (low, high) = ticket_id_range();
        assert!(low < ticket_id(1) && ticket_id(1) < ticket_id(1_000_000));
        assert!(ticket_id(1_000_000) < high);
        assert_eq!(ticket_id(255).as_u128() & COUNTER_MASK, 255);
        assert!(user_id(399) < low);
    }
}
