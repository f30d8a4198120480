#include "widgets/headpicker.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QSignalBlocker>

namespace alignscope::ui {
namespace {
// Head combo entries before the heads themselves.
constexpr int kMeanIndex = 0;
constexpr int kMaxIndex = 1;
constexpr int kFirstHead = 2;
} // namespace

HeadPicker::HeadPicker(QWidget *parent)
    : QWidget(parent), m_layer(new QComboBox(this)), m_head(new QComboBox(this)),
      m_layerLabel(new QLabel(tr("Layer"), this)), m_headLabel(new QLabel(tr("Head"), this))
{
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_layerLabel);
    layout->addWidget(m_layer);
    layout->addWidget(m_headLabel);
    layout->addWidget(m_head);
    m_layer->setToolTip(tr("Which decoder layer's cross-attention to show"));
    m_head->setToolTip(tr("One head, or the mean or element-wise max over the layer's heads"));
    for (QComboBox *c : {m_layer, m_head})
        connect(c, &QComboBox::currentIndexChanged, this, [this] { emit selectionChanged(selection()); });
    fill();
}

void HeadPicker::setCompact(bool compact)
{
    m_layerLabel->setText(compact ? tr("L") : tr("Layer"));
    m_headLabel->setText(compact ? tr("H") : tr("Head"));
    m_layerLabel->setToolTip(m_layer->toolTip());
    m_headLabel->setToolTip(m_head->toolTip());
    layout()->setSpacing(compact ? 2 : -1);
}

void HeadPicker::setShape(int layers, int heads)
{
    layers = std::max(1, layers);
    heads = std::max(1, heads);
    if (layers == m_layers && heads == m_heads)
        return;
    HeadSelection kept = selection();
    m_layers = layers;
    m_heads = heads;
    if (!kept.fits(layers, heads))
        kept = HeadSelection{};
    fill();
    setSelection(kept);
}

void HeadPicker::fill()
{
    QSignalBlocker a(m_layer), b(m_head);
    m_layer->clear();
    for (int l = 1; l <= m_layers; ++l)
        m_layer->addItem(QString::number(l));
    m_head->clear();
    m_head->addItems({tr("mean"), tr("max")});
    for (int h = 1; h <= m_heads; ++h)
        m_head->addItem(QString::number(h));
    m_layer->setCurrentIndex(m_layers - 1);
    m_head->setCurrentIndex(kMeanIndex);
}

HeadSelection HeadPicker::selection() const
{
    HeadSelection s;
    // The last layer is "the last layer" (-1), so it follows a model with more layers.
    const int layer = m_layer->currentIndex();
    s.layer = layer < 0 || layer == m_layers - 1 ? -1 : layer;
    const int head = m_head->currentIndex();
    if (head >= kFirstHead) {
        s.reduce = HeadSelection::Reduce::Head;
        s.head = head - kFirstHead;
    } else {
        s.reduce = head == kMaxIndex ? HeadSelection::Reduce::Max : HeadSelection::Reduce::Mean;
    }
    return s;
}

void HeadPicker::setSelection(const HeadSelection &selection)
{
    QSignalBlocker a(m_layer), b(m_head);
    m_layer->setCurrentIndex(std::clamp(selection.layerIn(m_layers), 0, m_layers - 1));
    switch (selection.reduce) {
    case HeadSelection::Reduce::Mean: m_head->setCurrentIndex(kMeanIndex); break;
    case HeadSelection::Reduce::Max: m_head->setCurrentIndex(kMaxIndex); break;
    case HeadSelection::Reduce::Head:
        m_head->setCurrentIndex(kFirstHead + std::clamp(selection.head, 0, m_heads - 1));
        break;
    }
}

} // namespace alignscope::ui
