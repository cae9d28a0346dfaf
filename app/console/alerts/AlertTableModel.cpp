#include "alerts/AlertTableModel.h"

#include <QBrush>
#include <QColor>
#include <QFont>
#include <algorithm>

namespace fraudops {
namespace {

QString labelsText(const Labels& labels) {
    QStringList parts;
    for (const auto& [k, v] : labels)
        parts << k + "=" + v;
    return parts.join(", ");
}

QString ago(qint64 seconds) {
    if (seconds < 60)
        return QStringLiteral("%1 s").arg(seconds);
    if (seconds < 3600)
        return QStringLiteral("%1 min").arg(seconds / 60);
    if (seconds < 86400)
        return QStringLiteral("%1 h %2 min").arg(seconds / 3600).arg(seconds % 3600 / 60);
    return QStringLiteral("%1 d %2 h").arg(seconds / 86400).arg(seconds % 86400 / 3600);
}

// Firing first, then pending, then inactive.
int stateOrder(AlertState s) {
    return s == AlertState::Firing ? 0 : s == AlertState::Pending ? 1 : 2;
}

}  // namespace

QString AlertTableModel::Row::annotation(const char* annotationName) const {
    const auto it = annotations.find(QString::fromLatin1(annotationName));
    return it == annotations.end() ? QString() : it->second;
}

QString AlertTableModel::Row::pageTitle() const {
    return page.isEmpty() ? QString() : page.at(0).toUpper() + page.mid(1);
}

AlertTableModel::AlertTableModel(QObject* parent) : QAbstractTableModel(parent) {}

void AlertTableModel::setRules(const AlertRules& rules) {
    std::vector<Row> next;
    for (const auto& rule : rules.rules) {
        Row base;
        base.name = rule.name;
        base.severity = rule.severity();
        base.group = rule.group;
        base.file = rule.file;
        base.expression = rule.expression;
        base.page = rule.annotations.count("fraudops_page") ? rule.annotations.at("fraudops_page")
                                                            : QString();
        base.health = rule.health;
        base.lastError = rule.lastError;
        if (rule.alerts.empty()) {
            Row r = base;
            r.key = rule.group + "/" + rule.name;
            r.annotations = rule.annotations;
            next.push_back(std::move(r));
            continue;
        }
        for (const auto& alert : rule.alerts) {
            Row r = base;
            r.state = alert.state;
            r.labels = alert.labels;
            r.labels.erase(QStringLiteral("alertname"));
            r.labels.erase(QStringLiteral("severity"));
            r.annotations = alert.annotations;
            r.activeAt = alert.activeAt;
            r.value = alert.value;
            r.key = rule.group + "/" + rule.name + "{" + labelsText(r.labels) + "}";
            next.push_back(std::move(r));
        }
    }
    const bool sameRows = next.size() == rows_.size() &&
                          std::equal(next.begin(), next.end(), rows_.begin(),
                                     [](const Row& a, const Row& b) { return a.key == b.key; });
    if (sameRows) {
        rows_ = std::move(next);
        if (!rows_.empty())
            emit dataChanged(index(0, 0), index(rowCount() - 1, Count - 1));
        return;
    }
    beginResetModel();
    rows_ = std::move(next);
    endResetModel();
}

void AlertTableModel::setPageTitles(QStringList titles) {
    if (titles == pageTitles_)
        return;
    pageTitles_ = std::move(titles);
    if (!rows_.empty())
        emit dataChanged(index(0, Page), index(rowCount() - 1, Page));
}

void AlertTableModel::setNow(const QDateTime& now) {
    now_ = now;
    if (!rows_.empty())
        emit dataChanged(index(0, Since), index(rowCount() - 1, Since));
}

bool AlertTableModel::hasPage(const QString& page) const {
    return !page.isEmpty() && pageTitles_.contains(page, Qt::CaseInsensitive);
}

int AlertTableModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(rows_.size());
}

int AlertTableModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : Count;
}

QVariant AlertTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    static const char* names[] = {"State",  "Alert", "Severity", "Since",     "Value",
                                  "Labels", "Group", "Page",     "Expression"};
    return section >= 0 && section < Count ? QString::fromLatin1(names[section]) : QVariant();
}

Qt::ItemFlags AlertTableModel::flags(const QModelIndex& index) const {
    if (!index.isValid())
        return Qt::NoItemFlags;
    Qt::ItemFlags f = Qt::ItemIsSelectable | Qt::ItemIsEnabled;
    if (index.column() == Page && !hasPage(row(index.row()).page))
        f &= ~Qt::ItemIsEnabled;  // a page the console does not have yet
    return f;
}

QVariant AlertTableModel::display(const Row& r, int column) const {
    switch (column) {
        case State:
            return alertStateName(r.state);
        case Alert:
            return r.name;
        case Severity:
            return r.severity;
        case Since:
            if (!r.activeAt.isValid())
                return QString();
            if (!now_.isValid())
                return r.activeAt.toLocalTime().toString("HH:mm:ss");
            return QStringLiteral("%1 (%2)").arg(r.activeAt.toLocalTime().toString("HH:mm:ss"),
                                                 ago(std::max<qint64>(0, r.activeAt.secsTo(now_))));
        case Value:
            return r.value ? QString::number(*r.value, 'g', 4) : QString();
        case Labels:
            return labelsText(r.labels);
        case Group:
            return r.group;
        case Page:
            if (r.page.isEmpty())
                return QString();
            return hasPage(r.page) ? r.pageTitle() : r.pageTitle() + " (not built yet)";
        case Expression:
            return r.expression.simplified();
        default:
            return {};
    }
}

QVariant AlertTableModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= rowCount() || index.column() >= Count)
        return {};
    const Row& r = row(index.row());
    switch (role) {
        case Qt::DisplayRole:
            return display(r, index.column());
        case Qt::ToolTipRole:
            if (index.column() == Expression)
                return r.expression;
            if (index.column() == Page && !r.page.isEmpty() && !hasPage(r.page))
                return QStringLiteral("The console has no %1 page yet").arg(r.page);
            if (index.column() == Alert) {
                const QString summary = r.annotation("summary");
                return summary.isEmpty() ? r.name : summary;
            }
            return display(r, index.column());
        case Qt::ForegroundRole:
            if (index.column() == State && r.state != AlertState::Inactive)
                return QBrush(r.state == AlertState::Firing ? QColor(0xb0, 0x1e, 0x1e)
                                                            : QColor(0xa8, 0x62, 0x00));
            if (r.state == AlertState::Inactive)
                return QBrush(QColor(0x70, 0x70, 0x70));
            return {};
        case Qt::FontRole:
            if (index.column() == State && r.state == AlertState::Firing) {
                QFont bold;
                bold.setBold(true);
                return bold;
            }
            return {};
        case StateRole:
            return static_cast<int>(r.state);
        case SeverityRole:
            return r.severity;
        case PageRole:
            return r.page;
        case KeyRole:
            return r.key;
        case SortRole:
            switch (index.column()) {
                case State:  // then in the rules file's order
                    return stateOrder(r.state) * 1'000'000 + index.row();
                case Since:
                    return r.activeAt.isValid() ? r.activeAt.toMSecsSinceEpoch()
                                                : std::numeric_limits<qint64>::max();
                case Value:
                    return r.value.value_or(0);
                default:
                    return display(r, index.column());
            }
        default:
            return {};
    }
}

}  // namespace fraudops
