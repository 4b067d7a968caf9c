from torch.nn.parameter import Parameter as Parameter
