#include "TimeRangePicker.h"

#include <QComboBox>
#include <QDateTimeEdit>
#include <QDialog>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSignalBlocker>

namespace fraudops {
namespace {

constexpr int kCustomRole = Qt::UserRole + 1;  // the item that opens the dialog

}  // namespace

const std::vector<std::chrono::seconds>& TimeRangePicker::presets() {
    using namespace std::chrono;
    static const std::vector<seconds> spans{minutes(5), minutes(15), hours(1),
                                            hours(6),   hours(24),   hours(24 * 7)};
    return spans;
}

TimeRangePicker::TimeRangePicker(QWidget* parent)
    : QWidget(parent),
      combo_(new QComboBox(this)),
      range_(TimeRange::last(std::chrono::minutes(15))) {
    combo_->setObjectName("timeRange");
    combo_->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(new QLabel(" Range ", this));
    layout->addWidget(combo_);
    show(range_);
    connect(combo_, &QComboBox::activated, this, [this](int index) {
        if (combo_->itemData(index, kCustomRole).toBool()) {
            askForCustomRange();
            return;
        }
        const qint64 span = combo_->itemData(index).toLongLong();
        if (span > 0)
            setRange(TimeRange::last(std::chrono::seconds(span)));
    });
}

void TimeRangePicker::setRange(const TimeRange& range) {
    const bool changed = !(range == range_);
    range_ = range;
    show(range);
    if (changed)
        emit rangeChanged(range_);
}

void TimeRangePicker::show(const TimeRange& range) {
    const QSignalBlocker quiet(combo_);
    combo_->clear();
    for (const auto span : presets())
        combo_->addItem(QStringLiteral("last ") + spanLabel(span),
                        static_cast<qint64>(span.count()));
    const bool preset = range.isRelative() && std::find(presets().begin(), presets().end(),
                                                        range.span()) != presets().end();
    if (!preset)
        combo_->addItem(range.label(),
                        range.isRelative() ? static_cast<qint64>(range.span().count()) : 0);
    combo_->addItem(QStringLiteral("Custom…"));
    combo_->setItemData(combo_->count() - 1, true, kCustomRole);
    if (preset)
        combo_->setCurrentIndex(combo_->findData(static_cast<qint64>(range.span().count())));
    else
        combo_->setCurrentIndex(static_cast<int>(presets().size()));
}

void TimeRangePicker::askForCustomRange() {
    QDialog dialog(this);
    dialog.setWindowTitle("Time range");
    const auto window = range_.window(QDateTime::currentDateTimeUtc());
    auto* from = new QDateTimeEdit(window.start.toLocalTime(), &dialog);
    auto* to = new QDateTimeEdit(window.end.toLocalTime(), &dialog);
    for (auto* edit : {from, to}) {
        edit->setCalendarPopup(true);
        edit->setDisplayFormat("yyyy-MM-dd HH:mm:ss");
    }
    auto* problem = new QLabel(&dialog);
    problem->setStyleSheet("color: #c62828;");
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &dialog);
    auto* form = new QFormLayout(&dialog);
    form->addRow("From", from);
    form->addRow("To", to);
    form->addRow(problem);
    form->addRow(buttons);
    const auto check = [&] {
        const bool ok = from->dateTime() < to->dateTime();
        problem->setText(ok ? QString() : QStringLiteral("“From” must be before “To”."));
        buttons->button(QDialogButtonBox::Ok)->setEnabled(ok);
    };
    connect(from, &QDateTimeEdit::dateTimeChanged, &dialog, check);
    connect(to, &QDateTimeEdit::dateTimeChanged, &dialog, check);
    connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    check();
    if (dialog.exec() == QDialog::Accepted) {
        if (const auto absolute = TimeRange::between(from->dateTime(), to->dateTime())) {
            setRange(*absolute);
            return;
        }
    }
    show(range_);  // back to what it was
}

}  // namespace fraudops
