using static TorchSharp.torch;

namespace MoT.Training.Tests;

public sealed class TorchLoadsTests
{
    [Fact]
    public void Native_libtorch_loads_and_a_matmul_gives_the_known_result()
    {
        using var a = tensor(new float[] { 1, 2, 3, 4 }).reshape(2, 2);
        using var product = a.matmul(a);
        Assert.Equal(new float[] { 7, 10, 15, 22 }, product.data<float>().ToArray());
    }
}
