#pragma once

#include <QElapsedTimer>
#include <QObject>
#include <QTimer>
#include <chrono>
#include <utility>
#include <vector>

namespace fraudops {

class ConsoleWindow;

// Pictures pages of a running console to PNG, one after another in the same window (and so on
// the same cluster): each page is shown, waited for until it has all its data, refreshed once
// so its panels show one moment, and grabbed. The README's first command pictures every page
// this way without a display. A page that never gets its data is reported and skipped; the
// others are still pictured.
class PagePictures : public QObject {
    Q_OBJECT

public:
    struct Options {
        std::chrono::milliseconds timeout{300'000};  // per page, to get its data
        std::chrono::milliseconds settle{0};         // once, before the first picture
    };

    PagePictures(ConsoleWindow& window, std::vector<std::pair<QString, QString>> pagesAndFiles,
                 Options options, QObject* parent = nullptr);
    void start();

signals:
    // After the last page; `failed` counts pages not pictured.
    void finished(int failed);

private:
    void showNext();
    void poll();
    void picture();

    ConsoleWindow& window_;
    std::vector<std::pair<QString, QString>> shots_;
    Options options_;
    std::size_t next_ = 0;
    int failed_ = 0;
    bool settled_ = false;
    QTimer poll_;
    QElapsedTimer waited_;
};

}  // namespace fraudops
