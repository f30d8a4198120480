#include "attention/beamtreeview.h"

#include <QFontMetricsF>
#include <QKeyEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>

#include <algorithm>

namespace alignscope::ui {
namespace {

constexpr double kMargin = 10.0;
constexpr double kColumnGap = 26.0;
constexpr double kRowGap = 6.0;

QString nodeLabel(const DecodeTrace &trace, const DecodeNode &n)
{
    return QStringLiteral("%1  %2").arg(QString::fromStdString(trace.readable(n.token))).arg(n.cumulativeLogProb, 0, 'f', 2);
}

// Assigns each node a row: leaves in depth-first order, parents centred on
// their children, so branches never cross.
double placeRows(int node, const std::vector<std::vector<int>> &children, double &nextLeaf, std::vector<double> &row)
{
    const auto &kids = children[size_t(node)];
    if (kids.empty())
        return row[size_t(node)] = nextLeaf++;
    double first = 0, last = 0;
    for (size_t i = 0; i < kids.size(); ++i) {
        const double r = placeRows(kids[i], children, nextLeaf, row);
        (i == 0 ? first : last) = r;
        last = r;
    }
    return row[size_t(node)] = (first + last) / 2;
}

} // namespace

BeamTreeLayout BeamTreeLayout::compute(const DecodeTrace &trace, const QFont &font)
{
    BeamTreeLayout l;
    const int count = int(trace.nodes.size());
    if (count == 0)
        return l;
    std::vector<std::vector<int>> children(static_cast<size_t>(count));
    std::vector<int> roots;
    for (int i = 0; i < count; ++i)
        (trace.nodes[i].parent < 0 ? roots : children[static_cast<size_t>(trace.nodes[i].parent)]).push_back(i);
    std::vector<double> row(size_t(count), 0.0);
    double nextLeaf = 0;
    for (int r : roots)
        placeRows(r, children, nextLeaf, row);

    QFont bold = font;
    bold.setBold(true);
    const QFontMetricsF fm(bold);
    std::vector<double> columnWidth(size_t(trace.stepCount()), 40.0);
    for (const DecodeNode &n : trace.nodes)
        columnWidth[size_t(n.step)] = std::max(columnWidth[size_t(n.step)], fm.horizontalAdvance(nodeLabel(trace, n)) + 16);
    std::vector<double> columnX(columnWidth.size(), kMargin);
    for (size_t s = 1; s < columnX.size(); ++s)
        columnX[s] = columnX[s - 1] + columnWidth[s - 1] + kColumnGap;
    const double h = fm.height() + 8;
    for (int i = 0; i < count; ++i) {
        const int s = trace.nodes[i].step;
        l.boxes.emplace_back(columnX[size_t(s)], kMargin + row[size_t(i)] * (h + kRowGap), columnWidth[size_t(s)], h);
    }
    l.size = QSizeF(columnX.back() + columnWidth.back() + kMargin, kMargin * 2 + nextLeaf * (h + kRowGap));
    return l;
}

void paintBeamTree(QPainter &p, const QPointF &origin, const TraceModel &model, const QFont &font,
                   const QPalette &palette)
{
    if (model.isEmpty())
        return;
    const DecodeTrace &trace = *model.trace();
    BeamTreeLayout l = BeamTreeLayout::compute(trace, font);
    std::vector<bool> onPath(trace.nodes.size(), false);
    for (int n : model.path())
        onPath[size_t(n)] = true;
    const int current = model.path()[size_t(model.step())];
    const QColor accent = palette.color(QPalette::Highlight);
    QColor faint = palette.color(QPalette::WindowText);
    faint.setAlphaF(0.35f);
    p.save();
    p.translate(origin);
    p.setRenderHint(QPainter::Antialiasing, true);
    for (size_t i = 0; i < trace.nodes.size(); ++i) {
        const int parent = trace.nodes[i].parent;
        if (parent < 0)
            continue;
        const QPointF a(l.boxes[size_t(parent)].right(), l.boxes[size_t(parent)].center().y());
        const QPointF b(l.boxes[i].left(), l.boxes[i].center().y());
        QPainterPath path(a);
        path.cubicTo(a + QPointF(kColumnGap / 2, 0), b - QPointF(kColumnGap / 2, 0), b);
        p.setPen(QPen(onPath[i] ? accent : faint, onPath[i] ? 2.0 : 1.0));
        p.drawPath(path);
    }
    QFont bold = font;
    bold.setBold(true);
    for (size_t i = 0; i < trace.nodes.size(); ++i) {
        const DecodeNode &n = trace.nodes[i];
        const bool sel = onPath[i];
        p.setPen(QPen(sel ? accent : palette.color(QPalette::Mid), int(i) == current ? 2.5 : 1.0,
                      n.finished ? Qt::SolidLine : Qt::SolidLine));
        p.setBrush(int(i) == current ? accent : palette.color(QPalette::Base));
        p.drawRoundedRect(l.boxes[i], 5, 5);
        p.setFont(sel ? bold : font);
        p.setPen(int(i) == current ? palette.color(QPalette::HighlightedText)
                                   : (sel ? palette.color(QPalette::WindowText) : faint));
        p.drawText(l.boxes[i], Qt::AlignCenter, nodeLabel(trace, n));
    }
    p.restore();
}

BeamTreeView::BeamTreeView(TraceModel *model, QWidget *parent) : QWidget(parent), m_model(model)
{
    setToolTip(tr("Beam tree: each node is a token with its cumulative log-probability. Click a node (or use ↑/↓ "
                  "between finished hypotheses) to show that hypothesis in every view."));
    setFocusPolicy(Qt::StrongFocus);
    setBackgroundRole(QPalette::Base);
    setAutoFillBackground(true);
    connect(model, &TraceModel::traceChanged, this, &BeamTreeView::relayout);
    connect(model, &TraceModel::cursorChanged, this, qOverload<>(&QWidget::update));
}

void BeamTreeView::relayout()
{
    m_layout = m_model->trace() ? BeamTreeLayout::compute(*m_model->trace(), font()) : BeamTreeLayout{};
    updateGeometry();
    resize(sizeHint().expandedTo(size()));
    update();
}

QSize BeamTreeView::sizeHint() const
{
    return m_layout.size.toSize().expandedTo(QSize(200, 80));
}

QRectF BeamTreeView::nodeRect(int node) const
{
    return node >= 0 && node < int(m_layout.boxes.size()) ? m_layout.boxes[size_t(node)] : QRectF();
}

void BeamTreeView::paintEvent(QPaintEvent *)
{
    QPainter p(this);
    paintBeamTree(p, QPointF(0, 0), *m_model, font(), palette());
}

void BeamTreeView::mousePressEvent(QMouseEvent *event)
{
    for (int i = 0; i < int(m_layout.boxes.size()); ++i)
        if (m_layout.boxes[size_t(i)].contains(event->position()))
            return m_model->selectNode(i);
}

void BeamTreeView::keyPressEvent(QKeyEvent *event)
{
    const DecodeTrace *trace = m_model->trace();
    if (!trace || trace->hypotheses.empty() || (event->key() != Qt::Key_Up && event->key() != Qt::Key_Down))
        return QWidget::keyPressEvent(event);
    // Walk the finished hypotheses, best first.
    int index = 0;
    const int leaf = m_model->path().back();
    for (size_t i = 0; i < trace->hypotheses.size(); ++i)
        if (trace->hypotheses[i].node == leaf)
            index = int(i);
    index += event->key() == Qt::Key_Down ? 1 : -1;
    index = std::clamp(index, 0, int(trace->hypotheses.size()) - 1);
    m_model->selectNode(trace->hypotheses[size_t(index)].node);
}

} // namespace alignscope::ui
