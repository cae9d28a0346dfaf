#include "prometheus/QueryTemplate.h"

namespace fraudops {

QString expandQuery(QString expression, const QueryContext& context) {
    return expression.replace(QStringLiteral("$job"), context.job)
        .replace(QStringLiteral("$window"),
                 QString::number(context.rateWindow.count()) + QStringLiteral("s"));
}

}  // namespace fraudops
