#include "attention/selfattentionview.h"

#include "attention/heatmapview.h"

#include <QComboBox>
#include <QLabel>
#include <QToolBar>
#include <QVBoxLayout>

namespace alignscope::ui {

SelfAttentionPanel::SelfAttentionPanel(TraceModel *model, QWidget *parent) : QWidget(parent), m_model(model)
{
    m_view = new HeatmapView(model, this);
    m_view->setKind(AttentionKind::EncoderSelf);
    m_view->setToolTip(tr("Attention within one sequence: each row attends over the columns of the same sentence. "
                          "Hover a cell for α and e."));
    auto *bar = new QToolBar(this);
    m_kind = new QComboBox(bar);
    m_kind->addItems({attentionKindName(AttentionKind::EncoderSelf), attentionKindName(AttentionKind::DecoderSelf)});
    m_kind->setToolTip(tr("The encoder's self-attention over the source (computed once per sentence), or the "
                          "decoder's causal self-attention over what it has written so far"));
    bar->addWidget(m_kind);
    m_caption = new QLabel(bar);
    m_caption->setContentsMargins(8, 0, 0, 0);
    bar->addWidget(m_caption);
    connect(m_kind, &QComboBox::currentIndexChanged, this, [this](int i) {
        setKind(i == 0 ? AttentionKind::EncoderSelf : AttentionKind::DecoderSelf);
    });
    connect(model, &TraceModel::traceChanged, this, &SelfAttentionPanel::update_);
    connect(model, &TraceModel::selectionChanged, this, &SelfAttentionPanel::update_);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addWidget(bar);
    layout->addWidget(m_view, 1);
    setToolTip(m_view->toolTip());
    update_();
}

void SelfAttentionPanel::setKind(AttentionKind kind)
{
    m_view->setKind(kind);
    {
        const QSignalBlocker block(m_kind);
        m_kind->setCurrentIndex(kind == AttentionKind::EncoderSelf ? 0 : 1);
    }
    update_();
}

void SelfAttentionPanel::update_()
{
    const DecodeTrace *t = m_model->trace();
    const bool encoder = m_view->kind() == AttentionKind::EncoderSelf;
    int layers = 0, heads = 0;
    if (t && encoder) {
        layers = t->encoderSelf.layers;
        heads = t->encoderSelf.heads;
    } else if (t && t->hasDecoderSelfAttention()) {
        layers = t->nodes.front().self.layers;
        heads = t->nodes.front().self.heads;
    }
    if (!t)
        m_caption->clear();
    else if (layers == 0 && encoder && t->source.kind == SourceKind::Image)
        m_caption->setText(tr("not kept for pictures (ViT-base's is 44 MB a picture); "
                              "alignscope-cli export --image FILE --format json --encoder-attention writes it"));
    else if (layers == 0 && encoder && t->source.kind == SourceKind::Audio)
        m_caption->setText(tr("not recorded for clips over 10 s (a 30 s window's maps are 9 MB a head)"));
    else if (layers == 0)
        m_caption->setText(tr("this model has none (an RNN attends only across)"));
    else
        m_caption->setText(QString::fromStdString(m_model->selection().label(layers, heads)) +
                           tr(" of the %1").arg(encoder ? tr("encoder") : tr("decoder")));
}

} // namespace alignscope::ui
