//! The seed's closed vocabularies of a ticket: status, priority, category. Apart from
//! `ticket` (the views and inputs) so that `sla` and `workflow` can name them without a
//! circle back through the views, which name theirs.

use super::string_enum;

string_enum! {
    /// The seed's `tickets.status` values (SPEC §3 has the transitions).
    Status {
        New => "NEW",
        Open => "OPEN",
        InProgress => "IN_PROGRESS",
        PendingInfo => "PENDING_INFO",
        Resolved => "RESOLVED",
        Closed => "CLOSED",
        Reopened => "REOPENED",
        Escalated => "ESCALATED",
    }
}

string_enum! {
    /// The seed's `tickets.priority` values.
    Priority {
        P1Critical => "P1_CRITICAL",
        P2High => "P2_HIGH",
        P3Medium => "P3_MEDIUM",
        P4Low => "P4_LOW",
    }
}

string_enum! {
    /// The seed's `tickets.category` values.
    Category {
        VmIssue => "VM_ISSUE",
        NetworkIssue => "NETWORK_ISSUE",
        StorageIssue => "STORAGE_ISSUE",
        DatabaseIssue => "DATABASE_ISSUE",
        SecurityIssue => "SECURITY_ISSUE",
        AccessRequest => "ACCESS_REQUEST",
        Infrastructure => "INFRASTRUCTURE",
        MonitoringAlert => "MONITORING_ALERT",
        Other => "OTHER",
    }
}

impl Priority {
    /// The `notifications.priority` an event about a ticket of this priority gets.
    pub fn notification_priority(self) -> &'static str {
        match self {
            Priority::P1Critical => "URGENT",
            Priority::P2High => "HIGH",
            Priority::P3Medium => "NORMAL",
            Priority::P4Low => "LOW",
        }
    }
}
