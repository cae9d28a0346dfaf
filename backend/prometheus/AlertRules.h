#pragma once

#include <QDateTime>
#include <QMetaType>
#include <QString>
#include <chrono>
#include <map>
#include <optional>
#include <vector>

#include "prometheus/PrometheusResult.h"

namespace fraudops {

// What Prometheus evaluates, as its rules API reports it (/api/v1/rules, whose alerting rules
// carry their active alerts, the same ones /api/v1/alerts lists).
enum class AlertState { Inactive, Pending, Firing };
QString alertStateName(AlertState state);  // "inactive", "pending", "firing"

using Labels = std::map<QString, QString>;

// One alert of a rule: a labelled series for which the rule's expression holds, pending until
// it has held for the rule's `for:`, then firing.
struct ActiveAlert {
    Labels labels;       // the series' labels and the rule's (alertname, severity, ...)
    Labels annotations;  // with the templates filled in
    AlertState state = AlertState::Pending;
    QDateTime activeAt;  // since when the expression has held
    double value = 0;    // the expression's value at the last evaluation
};

struct AlertRule {
    QString name;
    QString group;
    QString file;        // the rules file of its group
    QString expression;  // the PromQL
    std::chrono::seconds holdFor{0};
    Labels labels;                            // as written in the rule
    Labels annotations;                       // as written (templates)
    AlertState state = AlertState::Inactive;  // the rule's: its most advanced alert's
    QString health;                           // "ok", "err" or "unknown"
    QString lastError;
    std::vector<ActiveAlert> alerts;

    QString severity() const;
};

struct AlertRules {
    std::vector<AlertRule> rules;  // alerting rules, in the groups' order
    int groups = 0;
    int recordingRules = 0;
    std::optional<PrometheusError> error;
    bool ok() const { return !error.has_value(); }
    // Alerts in `state` over every rule.
    int count(AlertState state) const;
};

// The body of a /api/v1/rules answer (success or error, any HTTP status).
AlertRules parseAlertRules(int httpStatus, const QByteArray& body);

}  // namespace fraudops

Q_DECLARE_METATYPE(fraudops::AlertRules)
