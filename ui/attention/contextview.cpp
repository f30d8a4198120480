#include "attention/contextview.h"

#include "widgets/colormap.h"

#include <QFontMetricsF>
#include <QPainter>

#include <algorithm>
#include <numeric>

namespace alignscope::ui {
namespace {

constexpr double kPad = 8.0;

// Source positions by descending α, the first `k` of them.
std::vector<int> largestPositions(const Vector &weights, int k)
{
    std::vector<int> order(size_t(weights.size()));
    std::iota(order.begin(), order.end(), 0);
    k = std::min<int>(k, int(order.size()));
    std::partial_sort(order.begin(), order.begin() + k, order.end(),
                      [&](int a, int b) { return weights[a] > weights[b]; });
    order.resize(size_t(k));
    return order;
}

struct Contribution {
    QString label;
    QColor color;
    Vector values; // (d) α_tj h_j, or the sum over the remaining positions
};

std::vector<Contribution> contributions(const TraceModel &model, const DecodeNode &node, int k)
{
    const Matrix &H = model.trace()->encoderStates; // (n, d)
    std::vector<Contribution> out;
    const Vector weights = model.weightsAt(node.step); // (n) under the layer/head selection
    const std::vector<int> top = largestPositions(weights, k);
    Vector rest = node.context;
    for (int r = 0; r < int(top.size()); ++r) {
        const int j = top[r];
        Vector v = weights[j] * H.row(j).transpose();
        rest -= v;
        out.push_back({QStringLiteral("%1  α=%2").arg(QString::fromStdString(model.trace()->readable(model.trace()->source.labels[size_t(j)])))
                           .arg(weights[j], 0, 'f', 2),
                       contributionColor(r), std::move(v)});
    }
    if (model.sourceLength() > int(top.size()))
        out.push_back({QObject::tr("%1 others").arg(model.sourceLength() - int(top.size())), QColor(150, 150, 150),
                       std::move(rest)});
    return out;
}

void paintStrip(QPainter &p, const QRectF &strip, const Vector &c, double scale)
{
    const Colormap map(ColormapKind::Diverging);
    const double w = strip.width() / std::max<Eigen::Index>(1, c.size());
    for (Eigen::Index k = 0; k < c.size(); ++k)
        p.fillRect(QRectF(strip.left() + k * w, strip.top(), w + 0.5, strip.height()),
                   QColor::fromRgb(map.rgb(0.5 + 0.5 * c[k] / scale)));
}

void paintStacks(QPainter &p, const QRectF &area, const std::vector<Contribution> &parts, double scale)
{
    const Eigen::Index d = parts.empty() ? 0 : parts.front().values.size();
    const double w = area.width() / std::max<Eigen::Index>(1, d);
    const double mid = area.center().y();
    const double unit = area.height() / 2 / scale;
    for (Eigen::Index k = 0; k < d; ++k) {
        double up = mid, down = mid; // positive parts stack upwards, negative downwards
        for (const Contribution &c : parts) {
            const double h = c.values[k] * unit;
            QRectF bar = h >= 0 ? QRectF(area.left() + k * w, up - h, w, h) : QRectF(area.left() + k * w, down, w, -h);
            (h >= 0 ? up : down) += -h;
            p.fillRect(bar, c.color);
        }
    }
}

} // namespace

QColor contributionColor(int rank)
{
    static const QRgb tableau[] = {0x4e79a7, 0xf28e2b, 0xe15759, 0x76b7b2, 0x59a14f, 0xedc948, 0xb07aa1, 0xff9da7};
    return QColor::fromRgb(tableau[rank % 8]);
}

void paintContext(QPainter &p, const QRectF &target, const TraceModel &model, const ContextOptions &options,
                  const QFont &font, const QPalette &palette)
{
    const DecodeNode *node = model.currentNode();
    if (!node || node->context.size() == 0)
        return;
    p.save();
    p.setFont(font);
    const QFontMetricsF fm(font);
    const double line = fm.height();
    const QRectF inner = target.adjusted(kPad, kPad, -kPad, -kPad);
    const auto parts = contributions(model, *node, options.topPositions);
    double scale = node->context.cwiseAbs().maxCoeff();
    for (const auto &c : parts)
        scale = std::max<double>(scale, c.values.cwiseAbs().maxCoeff());
    scale = std::max(scale, 1e-6);

    p.setPen(palette.color(QPalette::WindowText));
    p.drawText(QRectF(inner.left(), inner.top(), inner.width(), line), Qt::AlignLeft | Qt::AlignVCenter,
               QObject::tr("c_%1  (d = %2, |c| max %3)").arg(node->step + 1).arg(node->context.size())
                   .arg(node->context.cwiseAbs().maxCoeff(), 0, 'f', 3));
    const QRectF strip(inner.left(), inner.top() + line + 2, inner.width(), 18);
    paintStrip(p, strip, node->context, scale);
    p.setPen(palette.color(QPalette::Mid));
    p.drawRect(strip);

    const double legendHeight = line + 4;
    const QRectF stacks(inner.left(), strip.bottom() + kPad, inner.width(),
                        std::max(30.0, inner.bottom() - strip.bottom() - kPad - legendHeight));
    paintStacks(p, stacks, parts, scale * 1.05);
    p.setPen(QPen(palette.color(QPalette::Mid), 1, Qt::DotLine));
    p.drawLine(QPointF(stacks.left(), stacks.center().y()), QPointF(stacks.right(), stacks.center().y()));

    double x = inner.left();
    const double y = stacks.bottom() + 4;
    for (const auto &c : parts) {
        p.fillRect(QRectF(x, y + line / 2 - 5, 10, 10), c.color);
        p.setPen(palette.color(QPalette::WindowText));
        const double w = fm.horizontalAdvance(c.label);
        p.drawText(QRectF(x + 14, y, w + 2, line), Qt::AlignLeft | Qt::AlignVCenter, c.label);
        x += w + 28;
    }
    p.restore();
}

ContextView::ContextView(TraceModel *model, QWidget *parent) : QWidget(parent), m_model(model)
{
    setToolTip(tr("Context vector c_t = Σ_j α_tj h_j: the strip shows c_t (blue negative, red positive); "
                  "the bars show each dimension as the stacked contributions α_tj·h_j of the largest source positions."));
    setBackgroundRole(QPalette::Base);
    setAutoFillBackground(true);
    connect(model, &TraceModel::cursorChanged, this, qOverload<>(&QWidget::update));
}

void ContextView::paintEvent(QPaintEvent *)
{
    QPainter p(this);
    paintContext(p, QRectF(rect()), *m_model, m_options, font(), palette());
}

} // namespace alignscope::ui
