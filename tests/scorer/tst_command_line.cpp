// Flags of the tools: command line over environment over default, and a clear line for
// every mistake.
#include <QtTest>
#include <sstream>

#include "common/CommandLine.h"

namespace {

struct Parsed {
    bool ok;
    int exitCode;
    std::string out, err;
};

Parsed parse(fraud::CommandLine& cli, std::vector<std::string> args) {
    std::vector<char*> argv{const_cast<char*>("tool")};
    for (auto& a : args)
        argv.push_back(a.data());
    std::ostringstream out, err;
    const bool ok = cli.parse(static_cast<int>(argv.size()), argv.data(), 1, out, err);
    return {ok, cli.exitCode(), out.str(), err.str()};
}

fraud::CommandLine make() {
    fraud::CommandLine cli("tool", "A tool.", "FRAUD_TEST");
    cli.option("registry", "", "where", true)
        .option("port", "50051", "port")
        .flag("verbose", "talk");
    return cli;
}

}  // namespace

class CommandLineTest : public QObject {
    Q_OBJECT

private slots:
    void cleanup() {
        qunsetenv("FRAUD_TEST_PORT");
        qunsetenv("FRAUD_TEST_REGISTRY");
    }

    void precedence() {
        auto cli = make();
        qputenv("FRAUD_TEST_PORT", "7000");
        qputenv("FRAUD_TEST_REGISTRY", "/from/env");
        QVERIFY(parse(cli, {"--port=8000"}).ok);
        QCOMPARE(cli.integer("port"), 8000);
        QCOMPARE(cli.get("registry"), std::string("/from/env"));
        QVERIFY(!cli.enabled("verbose"));
        auto other = make();
        QVERIFY(parse(other, {"--registry", "/r", "--verbose"}).ok);
        QCOMPARE(other.integer("port"), 7000);
        QVERIFY(other.enabled("verbose"));
    }

    void mistakes_data() {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("message");
        QTest::newRow("unknown") << QStringList{"--registry=/r", "--prot=1"}
                                 << "unknown flag --prot";
        QTest::newRow("no value") << QStringList{"--registry"} << "--registry needs a value";
        QTest::newRow("required") << QStringList{"--port=1"}
                                  << "--registry is required (or set FRAUD_TEST_REGISTRY)";
        QTest::newRow("bad switch")
            << QStringList{"--registry=/r", "--verbose=maybe"} << "--verbose takes true or false";
    }

    void mistakes() {
        QFETCH(QStringList, args);
        QFETCH(QString, message);
        auto cli = make();
        std::vector<std::string> a;
        for (const auto& s : args)
            a.push_back(s.toStdString());
        const auto p = parse(cli, a);
        QVERIFY(!p.ok);
        QCOMPARE(p.exitCode, 2);
        QVERIFY2(p.err.find(message.toStdString()) != std::string::npos, p.err.c_str());
    }

    void badNumberNamesTheFlag() {
        auto cli = make();
        QVERIFY(parse(cli, {"--registry=/r", "--port=12x"}).ok);
        try {
            cli.integer("port");
            QFAIL("accepted 12x");
        } catch (const std::invalid_argument& e) {
            QCOMPARE(std::string(e.what()),
                     std::string("--port must be a whole number, not '12x'"));
        }
    }

    void rangesAreEnforced() {
        auto cli = make();
        QVERIFY(parse(cli, {"--registry=/r", "--port=-3"}).ok);
        try {
            cli.integer("port", 0, 65535);
            QFAIL("accepted -3");
        } catch (const std::invalid_argument& e) {
            QCOMPARE(std::string(e.what()),
                     std::string("--port must be between 0 and 65535, not -3"));
        }
        QCOMPARE(make().integer("port", 0, 65535), 50051);
    }

    void helpListsFlagsAndVariables() {
        auto cli = make();
        const auto p = parse(cli, {"--help"});
        QVERIFY(!p.ok);
        QCOMPARE(p.exitCode, 0);
        QVERIFY(p.out.find("--port=VALUE  [FRAUD_TEST_PORT]") != std::string::npos);
        QVERIFY(p.out.find("(default: 50051)") != std::string::npos);
    }
};

QTEST_GUILESS_MAIN(CommandLineTest)
#include "tst_command_line.moc"
