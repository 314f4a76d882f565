using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace MoT.Training.Models;

/// <summary>A lookup table of learned vectors (tokens or positions), initialised by <see cref="WeightInit"/>
/// with fan_in = 1 as the paper's code does for its token and position embeddings (std sqrt(0.1) = 0.316),
/// or with an explicit fan_in when the table doubles as the output head.</summary>
public sealed class EmbeddingTable : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "weight")] private readonly Parameter _weight;   // (count, d)

    internal EmbeddingTable(long count, long dimension, long fanIn, Generator generator) : base(nameof(EmbeddingTable))
    {
        _weight = WeightInit.TruncatedNormal(generator, fanIn, count, dimension);
        RegisterComponents();
    }

    public Parameter Weight => _weight;

    /// <summary>ids (...) int64 -> (..., d).</summary>
    public override Tensor forward(Tensor ids)
    {
        var shape = ids.shape.Append(_weight.shape[1]).ToArray();
        return _weight.index_select(0, ids.reshape(-1)).view(shape);
    }
}
