using MoT.Training.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MoT.Training.Training;

/// <summary>
/// bf16 compute with fp32 master weights, made explicit because TorchSharp 0.107 has no autocast:
/// a bf16 copy of the model runs forward and backward; its gradients are copied into the fp32
/// master parameters, the optimizer steps on the masters (fp32 state), and the bf16 copy is
/// refreshed from them. Loss and softmax statistics are computed in fp32 by the model.
/// </summary>
internal sealed class MixedPrecision : IDisposable
{
    private readonly (Parameter Master, Parameter Compute)[] _pairs;

    public MixedPrecision(TransformerLM master)
    {
        ComputeModel = new TransformerLM(master.Config);
        ComputeModel.to(master.parameters().First().device);
        ComputeModel.to(ScalarType.BFloat16);
        var computeParameters = ComputeModel.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        _pairs = master.named_parameters().Select(p => (p.parameter, computeParameters[p.name])).ToArray();
        SyncFromMaster();
    }

    public TransformerLM ComputeModel { get; }

    public void SyncFromMaster()
    {
        using var _ = no_grad();
        foreach (var (master, compute) in _pairs) compute.copy_(master);
    }

    public void CopyGradientsToMaster()
    {
        using var _ = no_grad();
        foreach (var (master, compute) in _pairs)
        {
            if (compute.grad is null) continue;
            if (master.grad is null) master.grad = compute.grad.to(ScalarType.Float32).DetachFromDisposeScope();
            else master.grad.copy_(compute.grad);
        }
    }

    public void Dispose() => ComputeModel.Dispose();
}
