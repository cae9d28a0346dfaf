#include "ProfileValidation.h"

#include <QFileInfo>
#include <QRegularExpression>
#include <QUrl>

namespace fraudops {

QStringList profileErrors(const ConnectionProfile& p) {
    QStringList errors;
    static const QRegularExpression nameRule(QStringLiteral("^[A-Za-z0-9][A-Za-z0-9._-]*$"));
    if (p.name.isEmpty())
        errors << QStringLiteral("name: required");
    else if (p.isLocal())
        errors << QStringLiteral("name: \"local\" is the built-in profile");
    else if (!nameRule.match(p.name).hasMatch())
        errors << QStringLiteral("name: letters, digits, '.', '_' and '-' only");

    if (p.scorerEndpoints.isEmpty())
        errors << QStringLiteral("scorers: at least one host:port");
    for (const QString& e : p.scorerEndpoints) {
        // host:port, or [v6]:port; the port in 1..65535.
        const int colon = static_cast<int>(e.lastIndexOf(':'));
        bool ok = false;
        const int port = colon > 0 ? e.mid(colon + 1).toInt(&ok) : 0;
        if (colon <= 0 || !ok || port < 1 || port > 65535 || e.contains(' '))
            errors << QStringLiteral("scorers: \"%1\" is not host:port").arg(e);
    }

    const QUrl url(p.prometheusUrl, QUrl::StrictMode);
    if (p.prometheusUrl.isEmpty())
        errors << QStringLiteral("prometheus: required (http://host:9090)");
    else if (!url.isValid() || (url.scheme() != "http" && url.scheme() != "https") ||
             url.host().isEmpty())
        errors << QStringLiteral("prometheus: \"%1\" is not an http(s) URL").arg(p.prometheusUrl);

    if (p.scrapeJob.trimmed().isEmpty())
        errors << QStringLiteral("scrape job: required (the job that scrapes the scorers)");
    if (p.scrapeIntervalSeconds < 1)
        errors << QStringLiteral("scrape interval: at least 1 s");
    if (!(p.latencySloMs > 0))
        errors << QStringLiteral("latency SLO: must be above 0 ms");
    if (p.tls && !p.caFile.isEmpty() && !QFileInfo(p.caFile).isReadable())
        errors << QStringLiteral("CA file: cannot read %1").arg(p.caFile);
    return errors;
}

}  // namespace fraudops
