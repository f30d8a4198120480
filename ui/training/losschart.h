#pragma once
// LossChart: train and dev loss against the batch step, painted with
// QPainter as points arrive: train loss as the controller smooths it (one
// point per progress update), dev loss one point per epoch end.

#include <QWidget>

#include <vector>

class QPainter;

namespace alignscope::ui {

class LossChart : public QWidget {
    Q_OBJECT
public:
    explicit LossChart(QWidget *parent = nullptr);

    /// Forgets every point; the x axis runs to `totalSteps` (grows if exceeded).
    void clear(long long totalSteps = 0);
    void setTotalSteps(long long totalSteps);
    void addTrainLoss(long long step, double loss);
    void addDevLoss(long long step, double loss);
    int trainPoints() const { return int(m_train.size()); }
    int devPoints() const { return int(m_dev.size()); }

    /// The chart inside `target` (also used by paintEvent).
    void paint(QPainter &p, const QRectF &target) const;

    QSize sizeHint() const override { return {420, 180}; }
    QSize minimumSizeHint() const override { return {200, 110}; }

protected:
    void paintEvent(QPaintEvent *event) override;

private:
    struct Point {
        double step;
        double loss;
    };
    double maxLoss() const;

    std::vector<Point> m_train;
    std::vector<Point> m_dev;
    long long m_totalSteps = 0;
};

} // namespace alignscope::ui
