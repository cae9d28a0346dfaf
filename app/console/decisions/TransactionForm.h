#pragma once

#include <QStringList>
#include <QWidget>
#include <map>

#include "fraud/v1/transaction.pb.h"

class QComboBox;
class QDateTimeEdit;
class QDoubleSpinBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QTableWidget;

namespace fraudops {

// Every field of a Transaction, to edit: the typed fields of the transaction schema, and a
// vector schema's named features. Errors are shown on the field they name (as the scorer
// names them: "amount", "features[V14]"), so an analyst sees what to fix before anything is
// sent.
class TransactionForm : public QWidget {
    Q_OBJECT
public:
    explicit TransactionForm(QWidget* parent = nullptr);

    fraud::v1::Transaction transaction() const;
    void setTransaction(const fraud::v1::Transaction& tx);
    // The features a vector schema's model reads (empty: the transaction schema's form).
    void setVectorFeatures(const QStringList& names);
    bool vectorSchema() const { return !vectorFeatures_.isEmpty(); }

    // Marks `field` (an API field name) with `message`; false if the form has no such field.
    bool showError(const QString& field, const QString& message);
    void clearErrors();
    QString errorText() const;

signals:
    void edited();

private:
    QWidget* widgetFor(const QString& field) const;

    QFormLayout* layout_;
    QLineEdit* id_;
    QLineEdit* card_;
    QLineEdit* merchant_;
    QLineEdit* category_;
    QDoubleSpinBox* amount_;
    QLineEdit* currency_;
    QDateTimeEdit* time_;
    QComboBox* channel_;
    QLineEdit* country_;
    QLineEdit* cardCountry_;
    QLineEdit* device_;
    QTableWidget* features_;
    QLabel* error_;
    QStringList vectorFeatures_;
    std::map<std::string, double> otherFeatures_;  // features of a transaction not in the table
};

}  // namespace fraudops
