#include "prometheus/AlertRules.h"

#include <QJsonArray>
#include <QJsonObject>

#include "prometheus/PrometheusResponseParser.h"

namespace fraudops {
namespace {

AlertState stateFrom(const QString& text) {
    if (text == QLatin1String("firing"))
        return AlertState::Firing;
    if (text == QLatin1String("pending"))
        return AlertState::Pending;
    return AlertState::Inactive;
}

Labels labelsFrom(const QJsonValue& value) {
    Labels labels;
    const auto object = value.toObject();
    for (auto it = object.begin(); it != object.end(); ++it)
        labels[it.key()] = it.value().toString();
    return labels;
}

}  // namespace

QString alertStateName(AlertState state) {
    switch (state) {
        case AlertState::Firing:
            return QStringLiteral("firing");
        case AlertState::Pending:
            return QStringLiteral("pending");
        case AlertState::Inactive:
            break;
    }
    return QStringLiteral("inactive");
}

QString AlertRule::severity() const {
    const auto it = labels.find(QStringLiteral("severity"));
    return it == labels.end() ? QString() : it->second;
}

int AlertRules::count(AlertState state) const {
    int n = 0;
    for (const auto& rule : rules) {
        for (const auto& alert : rule.alerts)
            n += alert.state == state;
    }
    return n;
}

AlertRules parseAlertRules(int httpStatus, const QByteArray& body) {
    AlertRules out;
    QJsonObject data;
    if (auto error = parsePrometheusEnvelope(httpStatus, body, &data, nullptr)) {
        out.error = std::move(error);
        return out;
    }
    if (!data.value("groups").isArray()) {
        out.error = PrometheusError{PrometheusError::Kind::BadResponse,
                                    httpStatus,
                                    {},
                                    QStringLiteral("the rules answer has no groups")};
        return out;
    }
    for (const auto& g : data.value("groups").toArray()) {
        const auto group = g.toObject();
        ++out.groups;
        for (const auto& r : group.value("rules").toArray()) {
            const auto rule = r.toObject();
            if (rule.value("type").toString() != QLatin1String("alerting")) {
                ++out.recordingRules;
                continue;
            }
            AlertRule a;
            a.name = rule.value("name").toString();
            a.group = group.value("name").toString();
            a.file = group.value("file").toString();
            a.expression = rule.value("query").toString();
            a.holdFor = std::chrono::seconds(rule.value("duration").toInteger());
            a.labels = labelsFrom(rule.value("labels"));
            a.annotations = labelsFrom(rule.value("annotations"));
            a.state = stateFrom(rule.value("state").toString());
            a.health = rule.value("health").toString();
            a.lastError = rule.value("lastError").toString();
            for (const auto& x : rule.value("alerts").toArray()) {
                const auto alert = x.toObject();
                ActiveAlert active;
                active.labels = labelsFrom(alert.value("labels"));
                active.annotations = labelsFrom(alert.value("annotations"));
                active.state = stateFrom(alert.value("state").toString());
                active.activeAt =
                    QDateTime::fromString(alert.value("activeAt").toString(), Qt::ISODateWithMs);
                active.value = alert.value("value").toString().toDouble();
                a.alerts.push_back(std::move(active));
            }
            out.rules.push_back(std::move(a));
        }
    }
    return out;
}

}  // namespace fraudops
