#pragma once
// Attention within one sequence, beside the cross-attention between two
// (the seed's contrast): the encoder's self-attention over the source
// (n × n, once per source) or the decoder's causal self-attention over
// what it has written (growing with the steps), for the layer and head
// every view shows. Empty, with a note, for models without it (RNNs).

#include "attention/heatmappainter.h"

#include <QWidget>

class QComboBox;
class QLabel;

namespace alignscope::ui {

class HeatmapView;

class SelfAttentionPanel : public QWidget {
    Q_OBJECT
public:
    explicit SelfAttentionPanel(TraceModel *model, QWidget *parent = nullptr);

    HeatmapView *view() const { return m_view; }
    QComboBox *kindPicker() const { return m_kind; }
    /// What the panel shows, or why it shows nothing ("this model has none …").
    QLabel *caption() const { return m_caption; }
    /// Encoder or decoder self-attention.
    void setKind(AttentionKind kind);

private:
    void update_();

    TraceModel *m_model;
    HeatmapView *m_view;
    QComboBox *m_kind;
    QLabel *m_caption;
};

} // namespace alignscope::ui
